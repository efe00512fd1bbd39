// Source URIs of the form s3://bucket[/prefix][?endpoint=URL&region=NAME&forcePathStyle=true|false]
// (ARCHITECTURE.md, "Sources"). The bucket and prefix follow the S3 destination's rules
// (parseS3Uri); the query carries what a DestinationSpec carries beside its uri. Credentials are
// never part of a URI: a task definition is stored and shown, so they come from the SDK's chain or
// the daemon's explicit options, as for the S3 destination (transfer/destination-config.ts).
import { FloeError } from '../../errors.js';
import { parseS3Uri, type S3Location } from '../../destinations/s3/s3-options.js';

export interface S3SourceUri extends S3Location {
  readonly endpoint?: string;
  readonly region?: string;
  readonly forcePathStyle?: boolean;
}

const PARAMETERS = new Set(['endpoint', 'region', 'forcePathStyle']);
/** Names that would carry a secret; refused without echoing their value. */
const SECRET_PARAMETERS = /^(access|secret|session|token|key|password|credential)/iu;

function invalid(why: string): FloeError {
  return new FloeError('INVALID_ARGUMENT', `invalid S3 source URI: ${why} (expected s3://bucket[/prefix][?endpoint=URL&region=NAME])`);
}

export function parseS3SourceUri(uri: string): S3SourceUri {
  const question = uri.indexOf('?');
  const base = question < 0 ? uri : uri.slice(0, question);
  const query = question < 0 ? '' : uri.slice(question + 1);
  // s3://KEY:SECRET@bucket: refused before anything echoes the URI.
  if (/^s3:\/\/[^/]*@/iu.test(base)) throw invalid('credentials are never part of the URI; give them to the daemon (AWS_ACCESS_KEY_ID, a profile or an instance role)');
  if (base.includes('#')) throw invalid('a #fragment has no meaning here');
  const params = new URLSearchParams(query);
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (SECRET_PARAMETERS.test(key)) throw invalid(`'${key}': credentials are never part of the URI; give them to the daemon (AWS_ACCESS_KEY_ID, a profile or an instance role)`);
    if (!PARAMETERS.has(key)) throw invalid(`unknown parameter '${key}' (known: ${[...PARAMETERS].join(', ')})`);
    if (seen.has(key)) throw invalid(`parameter '${key}' given twice`);
    seen.add(key);
  }
  const location = parseS3Uri(base);
  const out: { -readonly [K in keyof S3SourceUri]: S3SourceUri[K] } = { ...location };
  const endpoint = params.get('endpoint');
  if (endpoint !== null) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw invalid(`endpoint '${endpoint}' is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`endpoint must be http:// or https://, not ${url.protocol}`);
    if (url.username !== '' || url.password !== '') throw invalid('the endpoint must not carry credentials');
    out.endpoint = endpoint;
  }
  const region = params.get('region');
  if (region !== null) {
    if (!/^[a-z0-9-]{1,32}$/u.test(region)) throw invalid(`region '${region}' is not a region name such as us-east-1`);
    out.region = region;
  }
  const pathStyle = params.get('forcePathStyle');
  if (pathStyle !== null) {
    if (pathStyle !== 'true' && pathStyle !== 'false') throw invalid(`forcePathStyle must be true or false, not '${pathStyle}'`);
    out.forcePathStyle = pathStyle === 'true';
  }
  return out;
}
