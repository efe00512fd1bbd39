// The version printed by `floe --version`; image/bundle.mjs checks it against package.json.
export const FLOE_VERSION = '0.1.0';
