#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ConfigError } from '@dcos/config';
import { DCOS_TS_VERSION } from '@dcos/contracts';
import { clusterCommand } from './cluster.command';
import { nodeCommand, taskCommand } from './kernel.command';
import { authCommand } from './auth.command';
import { securityCommand } from './security.command';
import { marathonCommand } from './marathon.command';
import { storageCommand } from './storage.command';

export function buildProgram(): Command {
  return new Command('dcos')
    .description('Command line for the dcos-ts cluster')
    .version(DCOS_TS_VERSION, '-V, --version', 'print the dcos-ts version')
    .addCommand(clusterCommand())
    .addCommand(nodeCommand())
    .addCommand(taskCommand())
    .addCommand(authCommand())
    .addCommand(securityCommand())
    .addCommand(marathonCommand())
    .addCommand(storageCommand())
    .showHelpAfterError()
    .exitOverride();
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      process.exit(e.exitCode);
    }
    const msg = e instanceof ConfigError ? e.message : (e as Error).message;
    process.stderr.write(`dcos: ${msg}\n`);
    process.exit(e instanceof ConfigError ? 78 : 1);
  }
}

void main();
