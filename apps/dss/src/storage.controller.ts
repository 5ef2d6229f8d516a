import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { StorageService } from './storage.service';

/** The DC/OS storage API (what `dcos storage` talks to), under /v1. */
@ApiTags('storage')
@Controller('v1')
export class StorageController {
  constructor(private readonly storage: StorageService) {}

  @Get('devices')
  devices(@Query('node') node?: string) {
    return this.storage.devices(node);
  }

  @Get('providers')
  providers() {
    return this.storage.listProviders();
  }

  @Post('providers')
  createProvider(@Body() body: unknown) {
    return this.storage.createProvider(body);
  }

  @Put('providers/:name')
  modifyProvider(@Param('name') name: string, @Body() body: unknown) {
    return this.storage.modifyProvider(name, body);
  }

  @Delete('providers/:name')
  @HttpCode(204)
  async removeProvider(@Param('name') name: string): Promise<void> {
    await this.storage.removeProvider(name);
  }

  @Get('profiles')
  profiles() {
    return this.storage.listProfiles();
  }

  @Post('profiles')
  createProfile(@Body() body: unknown) {
    return this.storage.createProfile(body);
  }

  @Post('profiles/:name/deactivate')
  @HttpCode(200)
  deactivate(@Param('name') name: string) {
    return this.storage.setProfileActive(name, false);
  }

  @Post('profiles/:name/reactivate')
  @HttpCode(200)
  reactivate(@Param('name') name: string) {
    return this.storage.setProfileActive(name, true);
  }

  @Get('volumes')
  volumes() {
    return this.storage.listVolumes();
  }

  @Post('volumes')
  createVolume(@Body() body: unknown) {
    return this.storage.createVolume(body);
  }

  /** 200 when gone at once (never carved), 202 while DESTROY_DISK runs. */
  @Delete('volumes/:name')
  async removeVolume(@Param('name') name: string) {
    return this.storage.removeVolume(name);
  }
}
