// Where a job completion report goes when it is uploaded next to the data. Listings for
// POINT_IN_TIME_CONSISTENT verification ignore this folder: the report is floe's, not the source's.
export const REPORT_FOLDER = '.floe-report/';

export function isReportKey(key: string): boolean {
  return key.startsWith(REPORT_FOLDER);
}

export function reportKey(executionId: string, name: string): string {
  return `${REPORT_FOLDER}${executionId}/${name}`;
}
