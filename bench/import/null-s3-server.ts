// A null S3 endpoint for `import-throughput.ts --servers null`: it reads every request body and
// answers at once (PutObject and UploadPart with an ETag, multipart calls with minimal XML,
// HEAD with 404, listings empty), storing nothing. With no server work to wait for, a tool's
// files/s and CPU are its own client cost: what floe adds to the bare SDK, measured alone.
// Not an S3 implementation; never used by the tests. Usage: tsx null-s3-server.ts PORT
import http from 'node:http';

const XML = { 'content-type': 'application/xml' };
const NS = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
const ETAG = '"0123456789abcdef0123456789abcdef"';
let uploads = 0;

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://null');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (req.method === 'PUT') {
      res.writeHead(200, { etag: ETAG }).end();
    } else if (req.method === 'HEAD') {
      res.writeHead(key === '' ? 200 : 404).end();
    } else if (req.method === 'POST' && url.searchParams.has('uploads')) {
      res.writeHead(200, XML).end(`<InitiateMultipartUploadResult ${NS}><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>null-${++uploads}</UploadId></InitiateMultipartUploadResult>`);
    } else if (req.method === 'POST' && url.searchParams.has('uploadId')) {
      res.writeHead(200, XML).end(`<CompleteMultipartUploadResult ${NS}><Bucket>${bucket}</Bucket><Key>${key}</Key><ETag>${ETAG}</ETag></CompleteMultipartUploadResult>`);
    } else if (req.method === 'DELETE') {
      res.writeHead(204).end();
    } else if (url.searchParams.has('uploads')) {
      res.writeHead(200, XML).end(`<ListMultipartUploadsResult ${NS}><Bucket>${bucket}</Bucket><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`);
    } else {
      res.writeHead(200, XML).end(`<ListBucketResult ${NS}><Name>${bucket}</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated></ListBucketResult>`);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
