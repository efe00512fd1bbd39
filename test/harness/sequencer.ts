// The order test files start in: longest first, so the two workers end together instead of one
// of them starting a two-minute file when everything else is done.
//
// vitest's own order needs its results cache (node_modules/.vite/vitest), which a clean clone (CI)
// does not have; without it vitest starts the largest files first, and the slowest files here are
// small ones (crash-small/crash-large are a few lines calling a shared runner, s3-listing's cost is
// its 50,000 objects) that then start last. So a file's expected seconds come from the cache when
// it has them, else from file-durations.json (seconds per file, from a full run's JSON report:
// `node test/harness/file-durations.mjs .vitest-report.json`), else 0 (then larger first).
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const TABLE = new URL('./file-durations.json', import.meta.url);

function loadTable(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(TABLE, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

export class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const table = loadTable();
    const { cache, config } = this.ctx;
    const estimate = new Map<TestSpecification, { ms: number; size: number }>();
    for (const spec of files) {
      const path = relative(config.root, spec.moduleId).split('\\').join('/');
      const key = `${spec.project.name}:${path}`;
      const cached = cache.getFileTestResults(key);
      const ms = cached?.duration ?? (table[path] ?? 0) * 1000;
      estimate.set(spec, { ms, size: cache.getFileStats(key)?.size ?? 0 });
    }
    return [...files].sort((a, b) => {
      const ea = estimate.get(a)!;
      const eb = estimate.get(b)!;
      return eb.ms - ea.ms || eb.size - ea.size;
    });
  }
}
