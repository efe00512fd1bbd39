// `GET /v1/device`: hardware and disk health (appliance/device/hardware-snapshot.ts).
import { Type } from '@sinclair/typebox';
import { Out } from './common-schemas.js';

const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

export const HardwareSnapshotSchema = Out(
  {
    probedAt: Type.String({ format: 'date-time', description: 'when the cached snapshot was taken (refreshed every 10 s)' }),
    uptimeSeconds: Type.Integer(),
    hostname: Type.String(),
    cpu: Type.Union([
      Out({
        model: Type.String(),
        cores: Type.Integer(),
        loadPercent: Nullable(Type.Number({ description: 'percent busy over all cores since the previous probe' })),
        loadAverage: Type.Array(Type.Number()),
      }),
      Type.Null(),
    ]),
    memory: Type.Union([Out({ totalBytes: Type.Integer(), availableBytes: Type.Integer(), usedBytes: Type.Integer() }), Type.Null()]),
    temperatures: Type.Union([
      Out({ mainCelsius: Nullable(Type.Number()), maxCelsius: Nullable(Type.Number()), coresCelsius: Type.Array(Type.Number()) }),
      Type.Null(),
    ]),
    disks: Type.Array(
      Out({
        filesystem: Type.String(),
        type: Type.String(),
        mount: Type.String(),
        capacityBytes: Type.Integer(),
        usedBytes: Type.Integer(),
        availableBytes: Type.Integer(),
      }),
    ),
    dataDisk: Type.Union([Out({ path: Type.Literal('data'), capacityBytes: Type.Integer(), availableBytes: Type.Integer() }), Type.Null()], {
      description: 'the file system of the data folder (journal)',
    }),
    network: Type.Array(
      Out({
        name: Type.String(),
        ipv4: Type.String(),
        ipv6: Type.String(),
        mac: Type.String(),
        internal: Type.Boolean(),
        up: Type.Boolean(),
        speedMbps: Nullable(Type.Number()),
      }),
    ),
    missing: Type.Array(Out({ probe: Type.String(), reason: Type.String() }), { description: 'probes that failed or timed out; their fields are null or empty' }),
  },
  { title: 'HardwareSnapshot' },
);
