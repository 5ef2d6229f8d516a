import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  IamAuthorizeRequestContract,
  SUBJECT_NAMES,
  type IamAuthorizeReply,
} from '@dcos/contracts';
import { AuthzService } from './authz.service';

/** `iamAuthorize` over NATS: `{uid, rid, action}` → `{allowed}`, from the in-memory index. */
@Controller()
export class IamNatsController {
  constructor(private readonly authz: AuthzService) {}

  @MessagePattern(SUBJECT_NAMES.iamAuthorize)
  async authorize(@Payload() payload: unknown): Promise<IamAuthorizeReply> {
    const { uid, rid, action } = IamAuthorizeRequestContract.parse(payload);
    return { allowed: await this.authz.isAllowed(uid, rid, action) };
  }
}
