// Task and execution routes (ARCHITECTURE.md, "Tasks and executions"): DataSync's operations
// under /v1. The task report is JSON lines, served from memory (it names customer paths).
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { FloeError } from '../../errors.js';
import type { ApiContext } from '../api-context.js';
import { errorResponses } from '../schemas/common-schemas.js';
import { CreateTaskBody, ExecutionListSchema, ExecutionSchema, StartExecutionBody, TaskListSchema, TaskSchema, UpdateExecutionBody, UpdateTaskBody } from '../schemas/task-schemas.js';
import { ReportSchema } from '../schemas/import-schemas.js';

const ReportText = { description: 'the task report', content: { 'application/x-ndjson': { schema: Type.String({ description: 'one JSON object per line' }) } } };

interface IdParams {
  id: string;
}

export function taskRoutes(ctx: ApiContext): FastifyPluginAsync {
  const { tasks } = ctx;
  return async (app) => {
    app.post<{ Body: Static<typeof CreateTaskBody> }>(
      '/v1/tasks',
      { schema: { operationId: 'createTask', tags: ['tasks'], summary: 'CreateTask', body: CreateTaskBody, response: { 200: TaskSchema, ...errorResponses([409, 423], { body: true }) } } },
      async (request) => tasks.createTask(request.body),
    );

    app.get('/v1/tasks', { schema: { operationId: 'listTasks', tags: ['tasks'], summary: 'ListTasks', response: { 200: TaskListSchema, ...errorResponses([423]) } } }, async () => ({
      Tasks: await tasks.listTasks(),
    }));

    app.get<{ Params: IdParams }>(
      '/v1/tasks/:id',
      { schema: { operationId: 'describeTask', tags: ['tasks'], summary: 'DescribeTask (by id or name)', response: { 200: TaskSchema, ...errorResponses([404, 423]) } } },
      async (request) => tasks.describeTask(request.params.id),
    );

    app.patch<{ Params: IdParams; Body: Static<typeof UpdateTaskBody> }>(
      '/v1/tasks/:id',
      {
        schema: {
          operationId: 'updateTask',
          tags: ['tasks'],
          summary: 'UpdateTask: Name, Includes, Excludes, Options (merged), Schedule; refused while it has a queued or running execution',
          body: UpdateTaskBody,
          response: { 200: TaskSchema, ...errorResponses([404, 409, 423], { body: true }) },
        },
      },
      async (request) => tasks.updateTask(request.params.id, request.body),
    );

    app.delete<{ Params: IdParams }>(
      '/v1/tasks/:id',
      { schema: { operationId: 'deleteTask', tags: ['tasks'], summary: 'DeleteTask (refused while it has a queued or running execution)', response: { 200: TaskSchema, ...errorResponses([404, 409, 423]) } } },
      async (request) => tasks.deleteTask(request.params.id),
    );

    const start = async (request: { params: IdParams; body?: Static<typeof StartExecutionBody> }) => tasks.startExecution(request.params.id, request.body?.OverrideOptions);
    const startSchema = {
      operationId: 'startTaskExecution',
      tags: ['tasks'],
      summary: 'StartTaskExecution: runs now, or waits QUEUED while another execution runs',
      body: StartExecutionBody,
      response: { 200: ExecutionSchema, ...errorResponses([404, 409, 423], { body: true }) },
    };
    app.post<{ Params: IdParams; Body: Static<typeof StartExecutionBody> | undefined }>('/v1/tasks/:id/executions', { schema: startSchema }, start);
    app.post<{ Params: IdParams; Body: Static<typeof StartExecutionBody> | undefined }>('/v1/tasks/:id/start', { schema: { ...startSchema, operationId: 'startTask', summary: 'StartTaskExecution (alias)' } }, start);

    app.get<{ Params: IdParams }>(
      '/v1/tasks/:id/executions',
      { schema: { operationId: 'listTaskExecutionsOfTask', tags: ['tasks'], summary: "ListTaskExecutions of one task", response: { 200: ExecutionListSchema, ...errorResponses([404, 423]) } } },
      async (request) => ({ TaskExecutions: await tasks.listExecutions(request.params.id) }),
    );

    app.get('/v1/executions', { schema: { operationId: 'listTaskExecutions', tags: ['tasks'], summary: 'ListTaskExecutions', response: { 200: ExecutionListSchema, ...errorResponses([423]) } } }, async () => ({
      TaskExecutions: await tasks.listExecutions(),
    }));

    app.get<{ Params: IdParams }>(
      '/v1/executions/:id',
      { schema: { operationId: 'describeTaskExecution', tags: ['tasks'], summary: 'DescribeTaskExecution', response: { 200: ExecutionSchema, ...errorResponses([404, 423]) } } },
      async (request) => tasks.describeExecution(request.params.id),
    );

    app.patch<{ Params: IdParams; Body: Static<typeof UpdateExecutionBody> }>(
      '/v1/executions/:id',
      {
        schema: {
          operationId: 'updateTaskExecution',
          tags: ['tasks'],
          summary: 'UpdateTaskExecution: BytesPerSecond of a queued or running execution, effective at once',
          body: UpdateExecutionBody,
          response: { 200: ExecutionSchema, ...errorResponses([404, 409], { body: true }) },
        },
      },
      async (request) => {
        const value = request.body.BytesPerSecond ?? request.body.Options?.BytesPerSecond;
        if (value === undefined) throw new FloeError('INVALID_ARGUMENT', 'give BytesPerSecond (or Options.BytesPerSecond)', { details: { field: 'BytesPerSecond' } });
        return tasks.updateExecution(request.params.id, { BytesPerSecond: value });
      },
    );

    app.post<{ Params: IdParams }>(
      '/v1/executions/:id/cancel',
      { schema: { operationId: 'cancelTaskExecution', tags: ['tasks'], summary: 'CancelTaskExecution: answers once the execution has ended (ERROR, CANCELLED)', response: { 200: ExecutionSchema, ...errorResponses([404, 409]) } } },
      async (request) => tasks.cancelExecution(request.params.id),
    );

    app.get<{ Params: IdParams }>(
      '/v1/executions/:id/copy-report',
      {
        schema: {
          operationId: 'getCopyReport',
          tags: ['tasks'],
          summary: "an ended agentless copy's report from the journal (summary.json, success-log.csv, failure-log.csv, summary.txt), as the import's",
          response: { 200: ReportSchema, ...errorResponses([404, 423]) },
        },
      },
      async (request) => tasks.copyReport(request.params.id),
    );

    app.get<{ Params: IdParams }>(
      '/v1/executions/:id/report',
      { schema: { operationId: 'getTaskExecutionReport', tags: ['tasks'], summary: 'the task report: JSON lines (files by LogLevel, then the summary), kept in memory only', response: { 200: ReportText, ...errorResponses([404]) } } },
      async (request, reply) => {
        const text = tasks.executionReport(request.params.id);
        return reply.type('application/x-ndjson').send(text);
      },
    );
  };
}
