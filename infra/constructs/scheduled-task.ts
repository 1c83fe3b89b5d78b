import { Duration } from "aws-cdk-lib";
import type { Alarm, GraphWidget } from "aws-cdk-lib/aws-cloudwatch";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Construct } from "constructs";
import { functionDefaults, type ScheduleDefinition, type ScheduleId } from "../topology.ts";
import { type FunctionResources, functionAccess } from "./function-access.ts";
import { functionErrorsAlarm, functionLines, type Monitored, type SharedLines } from "./monitoring.ts";
import { ReceiverFunction } from "./receiver-function.ts";

export interface ScheduledTaskProps {
  scheduleId: ScheduleId;
  schedule: ScheduleDefinition;
  /** The stack's tables, secrets and routes; it is given those its definition lists, and nothing else. */
  resources: FunctionResources;
  /** What every function gets: the user settings and the metrics service. */
  environment: Record<string, string>;
}

/**
 * One schedule of the topology, whole: its function, run by an EventBridge rule every `everyMinutes`,
 * allowed exactly the table access its definition declares, its alarm and its lines on the dashboard.
 */
export class ScheduledTask extends Construct implements Monitored {
  readonly scheduleId: ScheduleId;
  readonly task: ReceiverFunction;
  readonly rule: Rule;
  readonly graphs: readonly GraphWidget[] = [];
  readonly sharedLines: SharedLines;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: ScheduledTaskProps) {
    super(scope, id);
    const { scheduleId, schedule } = props;
    assertTaskFitsSchedule(scheduleId, schedule);
    this.scheduleId = scheduleId;
    const access = functionAccess(scheduleId, schedule, props.resources);

    this.task = new ReceiverFunction(this, "Task", {
      entry: schedule.entry,
      description: `Runs ${scheduleId} every ${schedule.everyMinutes} minutes`,
      memorySizeMb: functionDefaults.memorySizeMb,
      timeoutSeconds: schedule.timeoutSeconds,
      environment: { ...props.environment, ...access.environment },
    });
    access.grantTo(this.task);
    // One run per tick: the next tick redoes whatever a failed run left, and the alarm below reports it.
    this.task.configureAsyncInvoke({ retryAttempts: 0 });

    this.rule = new Rule(this, "Schedule", {
      description: `Runs ${scheduleId} every ${schedule.everyMinutes} minutes`,
      schedule: Schedule.rate(Duration.minutes(schedule.everyMinutes)),
      targets: [new LambdaFunction(this.task)],
    });

    this.alarms = [
      functionErrorsAlarm(
        this,
        this.task,
        `The ${scheduleId} function failed or timed out; it runs again in ${schedule.everyMinutes} minutes.`,
      ),
    ];
    this.sharedLines = { functions: functionLines(this.task, scheduleId) };
  }
}

/** A run that outlasts its interval overlaps the next one: fail the synth instead. */
export function assertTaskFitsSchedule(scheduleId: string, schedule: ScheduleDefinition): void {
  if (schedule.timeoutSeconds >= schedule.everyMinutes * 60) {
    throw new Error(
      `Schedule ${scheduleId} times out after ${schedule.timeoutSeconds} s, which must be below its ` +
        `interval of ${schedule.everyMinutes} minutes`,
    );
  }
}
