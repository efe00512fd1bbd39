// Types of image/build-binary.mjs, for the TypeScript that calls it (bench/bundled-child.ts).
export function embeddedNode(): string;
export function buildBinary(options?: { entry?: string; output?: string }): Promise<{ output: string; size: number; nodeVersion: string }>;
