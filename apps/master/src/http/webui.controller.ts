import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { COMPAT_VERSIONS, DCOS_TS_VERSION } from '@dcos/service';

/**
 * Mesos serves its web UI at `/` (the webui's index.html), so `/` of a master — and `/mesos/`
 * through the Admin Router — is a page, not a 404. Ours has no single-page app: it links the
 * master's JSON endpoints, relatively, so the links work behind the router's `/mesos/` too.
 */
@ApiExcludeController()
@Controller()
export class WebUiController {
  @Get()
  index(@Res() res: Response): void {
    const links = [
      ['master/state', 'state: agents, frameworks, tasks'],
      ['master/state-summary', 'state summary'],
      ['master/slaves', 'agents'],
      ['master/frameworks', 'frameworks'],
      ['master/tasks', 'tasks'],
      ['metrics/snapshot', 'metrics'],
      ['version', 'version'],
    ]
      .map(([href, text]) => `<li><a href="${href}">${text}</a> <code>${href}</code></li>`)
      .join('\n');
    res
      .status(200)
      .type('text/html; charset=utf-8')
      .send(
        `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Mesos</title></head><body>
<h1>Mesos ${COMPAT_VERSIONS.mesos} master (dcos-ts ${DCOS_TS_VERSION})</h1>
<ul>
${links}
</ul>
<p>The v1 operator API is <code>POST api/v1</code>, the scheduler API <code>POST api/v1/scheduler</code>.</p>
</body></html>
`,
      );
  }
}
