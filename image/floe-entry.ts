// Entry point of the single binary (image/bundle.mjs): appliance/cli/bin.ts, except that a bare
// `floe --version` answers before the rest of floe (fastify, the AWS SDK, ...) is evaluated.
// esbuild keeps a dynamically imported module graph lazy inside the one-file bundle, so this
// saves evaluating a few MB of JavaScript at each start (docs/benchmarks/image.md, "Single binary").
import { FLOE_VERSION } from '../appliance/version.js';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${FLOE_VERSION}\n`);
} else {
  const { main } = await import('../appliance/cli/main.js');
  process.exitCode = await main(argv);
}
