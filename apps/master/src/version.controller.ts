import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { COMPAT_VERSIONS, DCOS_TS_VERSION } from '@dcos/service';

/** Mesos' `/version`: the Mesos version we are compatible with, plus ours. */
@ApiTags('operator')
@Controller()
export class VersionController {
  @Get('version')
  @ApiOkResponse({ description: 'Mesos-compatible version info' })
  version() {
    return {
      version: COMPAT_VERSIONS.mesos,
      build_user: 'dcos-ts',
      build_date: '2026-11-22',
      build_time: 0,
      git_tag: `dcos-ts-${DCOS_TS_VERSION}`,
      dcos_ts_version: DCOS_TS_VERSION,
    };
  }
}
