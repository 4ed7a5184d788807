package io.kiln.runtime;

import io.kiln.Schedule;

/** One step of a plan's schedule as {@link PlanExecutor} issues it ({@link ScheduleBuilder} makes them). */
record PlanStep(Schedule.Kind kind, int slot, int task, PreparedTask target, boolean everyRun) {
}
