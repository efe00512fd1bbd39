// Device: temperatures, disks and network interfaces (GET /v1/device).
import { Box, Text } from 'ink';
import { DF_NOTE, dfShare, diskUsage, diskUsageText } from '../data/disk-usage.js';
import { formatBytes } from '../data/format.js';
import { Gauge } from '../widgets/bars.js';
import { RemoteView } from '../widgets/notice.js';
import type { ScreenProps } from './screen-props.js';

export function DeviceScreen({ snap, width }: ScreenProps) {
  return (
    <RemoteView remote={snap.device} what="Device">
      {(d) => (
        <Box flexDirection="column">
          <Text wrap="truncate-end">{`Host ${d.hostname ?? '-'}  CPU ${d.cpu ?? '-'}${d.cpuLoadPercent === undefined ? '' : `  load ${Math.round(d.cpuLoadPercent)}%`}`}</Text>
          {d.memoryTotal ? <Text>{`Memory ${formatBytes(d.memoryUsed)} used of ${formatBytes(d.memoryTotal)}`}</Text> : null}
          <Text bold>Temperatures</Text>
          <Text wrap="wrap">{d.temperatures.length === 0 ? '  no sensor reported' : `  ${d.temperatures.map((t) => `${t.label} ${Math.round(t.celsius)}°C${t.celsius >= 80 ? ' HOT' : ''}`).join('   ')}`}</Text>
          <Text bold>{`Disks (${DF_NOTE})`}</Text>
          {d.disks.length === 0 ? <Text>  none reported</Text> : null}
          {d.disks.slice(0, 5).map((k, i) => {
            const u = diskUsage(k);
            return (
              <Box key={i} flexDirection="column">
                <Text wrap="truncate-end">{`  ${k.name}  ${k.mount}${k.holdsJournal ? '  (data disk: the journal)' : ''}`}</Text>
                <Text wrap="truncate-end">
                  {' '}
                  <Gauge label="" used={dfShare(u).used} total={dfShare(u).total} width={Math.max(10, width - 64)} />
                  {`  ${diskUsageText(u)}`}
                </Text>
              </Box>
            );
          })}
          {d.missing && d.missing.length > 0 ? <Text wrap="truncate-end">{`Not measured: ${d.missing.join('; ')}`}</Text> : null}
          <Text bold>Network interfaces</Text>
          {d.nics.length === 0 ? <Text>  none reported</Text> : null}
          {d.nics.slice(0, 5).map((n, i) => (
            <Text key={i} wrap="truncate-end">{`  ${n.name.padEnd(10)} ${n.up ? 'up  ' : 'DOWN'} ${(n.address || '-').padEnd(16)} ${n.mac.padEnd(18)}${n.speedMbps ? ` ${n.speedMbps} Mb/s` : ''}`}</Text>
          ))}
        </Box>
      )}
    </RemoteView>
  );
}
