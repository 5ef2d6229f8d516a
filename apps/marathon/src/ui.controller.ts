import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { DCOS_TS_VERSION } from '@dcos/service';

/**
 * Marathon's web UI entry points (its WebJarServlet): `/` → 302 `ui/`, `/ui` → 302 `/ui/`,
 * `/ui/` the UI's page. So `/service/marathon/` through the Admin Router ends in a page. Ours
 * links the REST API relatively, so the links work under the router's prefixes too.
 */
@ApiExcludeController()
@Controller()
export class UiController {
  @Get()
  root(@Res() res: Response): void {
    // Relative, as Marathon sends it: it resolves under whatever prefix the client used.
    res.status(302).setHeader('Location', 'ui/').end();
  }

  // Express matches `/ui` and `/ui/` alike: the trailing slash is told apart here.
  @Get('ui')
  ui(@Req() req: Request, @Res() res: Response): void {
    if (!req.path.endsWith('/')) {
      res.status(302).setHeader('Location', '/ui/').end();
      return;
    }
    const links = [
      ['../v2/apps', 'applications'],
      ['../v2/groups', 'groups'],
      ['../v2/deployments', 'deployments'],
      ['../v2/tasks', 'tasks'],
      ['../v2/queue', 'launch queue'],
      ['../v2/info', 'info'],
    ]
      .map(([href, text]) => `<li><a href="${href}">${text}</a></li>`)
      .join('\n');
    res
      .status(200)
      .type('text/html; charset=utf-8')
      .send(
        `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Marathon</title></head><body>
<h1>Marathon (dcos-ts ${DCOS_TS_VERSION})</h1>
<ul>
${links}
</ul>
</body></html>
`,
      );
  }
}
