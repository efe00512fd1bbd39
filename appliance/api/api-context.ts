// What the routes can reach: the device and the daemon's services. Each service that adds routes
// adds its field here and constructs itself in appliance/daemon/daemon.ts.
import type { EventLog } from '../daemon/event-log.js';
import type { HardwareMonitor } from '../device/hardware-monitor.js';
import type { Device } from '../lifecycle/device.js';
import type { TaskService } from '../tasks/task-service.js';
import type { ImportService } from '../transfer/import-service.js';
import type { RestoreService } from '../transfer/restore-service.js';
import type { SyncService } from '../transfer/sync-service.js';

export interface ApiContext {
  readonly dataDir: string;
  readonly device: Device;
  readonly events: EventLog;
  readonly token: string;
  readonly hardware: HardwareMonitor;
  readonly tasks: TaskService;
  readonly imports: ImportService;
  readonly sync: SyncService;
  readonly restores: RestoreService;
}
