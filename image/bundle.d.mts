// Types of image/bundle.mjs, for the TypeScript that calls it (bench/bundled-child.ts).
export const EXTERNAL_PACKAGES: Record<string, string[]>;
export function bundle(options?: { quiet?: boolean; entry?: string; outdir?: string }): Promise<{ entryFile: string; version: string }>;
