import { resolve } from 'node:path';
import { Controller, Get, HttpCode, Inject, NotFoundException, Param } from '@nestjs/common';
import {
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiTags,
} from '@nestjs/swagger';
import { cleanName } from './dns/handler';
import { RecordsService } from './records.service';
import { CONFIG, SETTINGS, goConfig, type MesosDnsConfig, type MesosDnsSettings } from './settings';

/** Mesos-DNS reports its own version; this is the Mesos-DNS release whose API we follow. */
export const MESOS_DNS_COMPAT_VERSION = 'v0.8.0';

class VersionDto {
  @ApiProperty({ example: 'Mesos-DNS' }) Service: string;
  @ApiProperty({ example: 'https://github.com/mesosphere/mesos-dns' }) URL: string;
  @ApiProperty({ example: MESOS_DNS_COMPAT_VERSION }) Version: string;
}

class HostRecordDto {
  @ApiProperty({ example: 'nginx.marathon.mesos.' }) host: string;
  @ApiProperty({ example: '10.0.1.1' }) ip: string;
}

class ServiceRecordDto {
  @ApiProperty({ example: '_nginx._tcp.marathon.mesos' }) service: string;
  @ApiProperty({ example: 'nginx-5smd7-s1.marathon.slave.mesos.' }) host: string;
  @ApiProperty({ example: '10.0.1.1' }) ip: string;
  @ApiProperty({ example: '31000' }) port: string;
}

/** The Mesos-DNS HTTP API (resolver/http.go), same paths and JSON shapes. */
@ApiTags('mesos-dns')
@Controller('v1')
export class MesosDnsApiController {
  constructor(
    private readonly records: RecordsService,
    @Inject(CONFIG) private readonly config: MesosDnsConfig,
    @Inject(SETTINGS) private readonly settings: MesosDnsSettings,
  ) {}

  @Get('version')
  @ApiOperation({ summary: 'Service name, version and URL' })
  @ApiOkResponse({ type: VersionDto })
  version(): VersionDto {
    // A Go map[string]string: its JSON keys come sorted.
    return {
      Service: 'Mesos-DNS',
      URL: 'https://github.com/mesosphere/mesos-dns',
      Version: MESOS_DNS_COMPAT_VERSION,
    };
  }

  @Get('config')
  @ApiOperation({ summary: 'The configuration in effect (Mesos-DNS Go field names)' })
  @ApiOkResponse({ description: 'Mesos-DNS Config object' })
  configuration(): Record<string, unknown> {
    const file = process.env.MESOS_DNS_CONFIG;
    return goConfig(this.config, this.settings, this.records.serial, file ? resolve(file) : '');
  }

  @Get('hosts/:host')
  @ApiOperation({ summary: 'A and AAAA records of a name; [{"host":"","ip":""}] when none' })
  @ApiOkResponse({ type: HostRecordDto, isArray: true })
  hosts(@Param('host') host: string): HostRecordDto[] {
    const name = cleanName(host);
    const e = this.records.get(name);
    const out = [...(e?.a ?? []), ...(e?.aaaa ?? [])].map((ip) => ({ host: name, ip }));
    return out.length > 0 ? out : [{ host: '', ip: '' }];
  }

  @Get('hosts/:host/ports')
  @HttpCode(501)
  @ApiOperation({ summary: 'Not implemented (as in Mesos-DNS)' })
  hostPorts(): string {
    return 'To be implemented...';
  }

  @Get('services/:service')
  @ApiOperation({
    summary: "SRV records of a service with their targets' IPs; one empty record when none",
  })
  @ApiOkResponse({ type: ServiceRecordDto, isArray: true })
  services(@Param('service') service: string): ServiceRecordDto[] {
    const e = this.records.get(cleanName(service));
    const out = (e?.srv ?? []).map((t) => {
      const target = this.records.get(t.target);
      return {
        service,
        host: t.target,
        ip: target?.a[0] ?? target?.aaaa[0] ?? '',
        port: String(t.port),
      };
    });
    return out.length > 0 ? out : [{ service: '', host: '', ip: '', port: '' }];
  }

  @Get('enumerate')
  @ApiOperation({ summary: 'Every framework, its running tasks and their records (EnumerationOn)' })
  @ApiNotFoundResponse({ description: 'enumeration is off' })
  enumerate(): unknown {
    this.enumerationOn();
    return this.records.model.enumerate();
  }

  @Get('axfr')
  @ApiOperation({ summary: 'The whole zone: A, AAAA and SRV record sets (EnumerationOn)' })
  @ApiNotFoundResponse({ description: 'enumeration is off' })
  axfr(): unknown {
    this.enumerationOn();
    const As: Record<string, string[]> = {};
    const AAAAs: Record<string, string[]> = {};
    const SRVs: Record<string, string[]> = {};
    for (const e of this.records.model.store.entries()) {
      if (e.a.length) As[e.name] = [...e.a];
      if (e.aaaa.length) AAAAs[e.name] = [...e.aaaa];
      if (e.srv.length) SRVs[e.name] = [...e.values('SRV')];
    }
    const s = this.settings;
    return {
      TTL: s.ttl,
      Serial: this.records.serial,
      RefreshSeconds: this.config.MESOS_DNS_REFRESH_SECONDS,
      Mname: s.soaMname,
      Rname: s.soaRname,
      Domain: s.domain,
      Records: { As, AAAAs, SRVs },
    };
  }

  private enumerationOn(): void {
    if (!this.config.MESOS_DNS_ENUMERATION_ON)
      throw new NotFoundException('enumeration is off (MESOS_DNS_ENUMERATION_ON)');
  }
}
