// The per-file problems an ingest execution keeps for its description and its persisted summary
// (the task report holds every file; this list is capped so a summary stays small).
import type { FloeError } from '../errors.js';
import { displayPath } from '../journal/file-entry.js';

export type ProblemPhase = 'Prepare' | 'Transfer' | 'Verify' | 'Delete';
export type ProblemOutcome = 'skipped' | 'failed' | 'noted';

export interface FileProblem {
  /** The path relative to the source root, as text (invalid UTF-8 bytes as \xNN). */
  readonly path: string;
  readonly phase: ProblemPhase;
  /**
   * skipped: refused by the server, the execution goes on; failed: counted in FilesFailed;
   * noted: copied as the source reported it, but something in it is doubtful (time-range.ts).
   */
  readonly outcome: ProblemOutcome;
  readonly code: string;
  readonly message: string;
}

export const MAX_KEPT_PROBLEMS = 1000;

export class ProblemList {
  readonly kept: FileProblem[] = [];
  /** Every path skipped or failed (as displayed), beyond the cap too: verification leaves them out. */
  readonly paths = new Set<string>();
  total = 0;
  firstFailure: FileProblem | undefined;

  add(path: Buffer, phase: ProblemPhase, outcome: ProblemOutcome, error: Pick<FloeError, 'code' | 'message'>): FileProblem {
    const problem: FileProblem = { path: displayPath(path), phase, outcome, code: error.code, message: error.message };
    this.total++;
    if (outcome !== 'noted') this.paths.add(problem.path);
    if (this.kept.length < MAX_KEPT_PROBLEMS) this.kept.push(problem);
    if (outcome === 'failed') this.firstFailure ??= problem;
    return problem;
  }
}
