#!/usr/bin/env node
// Entry point of the `floe` binary and of `tsx appliance/cli/bin.ts` in development.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
