// The conformance suite on Ceph RGW, a production S3 implementation (TOOLCHAIN.md, "A real S3").
import { startRgw } from '../harness/rgw.js';
import { describeDestination } from './describe-destination.js';
import { s3Factory } from './s3-target.js';

describeDestination('S3 on Ceph RGW', s3Factory(startRgw, {}));
