package io.kiln.runtime;

import io.kiln.Schedule;
import io.kiln.Transfer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a prepared plan's schedule, once per plan ({@link PlanExecutor} issues it on every run):
 * host-current steps for {@code EVERY_RUN} inputs, per task a copy to its device (or a host sync for
 * {@code cpu}) of each array not written earlier in the run where the task runs, the launch, then the
 * copies back, the wait and the release. Dependences come from a simulation of the run with
 * {@link Touch} on step numbers, the rule the run applies to events.
 */
final class ScheduleBuilder {
    private ScheduleBuilder() {
    }

    /** The steps a run issues and the schedule that prints them. */
    record Built(PlanStep[] steps, Schedule schedule) {
    }

    /**
     * Builds the steps of a prepared plan and their printed form, with dependences from the same rules
     * the run uses: {@code argSlots} per task and Java parameter (the slot of an array argument, else
     * -1), what each slot's {@code toDevice} and {@code toHost} transfer is, and whether the plan is profiled.
     */
    static Built build(GraphSpec spec, PreparedTask[] prepared, int[][] argSlots, Transfer[] slotToDevice, Transfer[] slotToHost,
                       boolean profiler) {
        int slotCount = slotToDevice.length;
        List<PlanStep> out = new ArrayList<>();
        List<Schedule.Step> printed = new ArrayList<>();
        Map<String, Touch<Integer>> sim = new HashMap<>();
        String[] lastDevice = new String[slotCount];
        String[] lastPlace = new String[slotCount];
        List<Integer> copies = new ArrayList<>();
        for (int s = 0; s < slotCount; s++) {
            if (slotToDevice[s] == Transfer.EVERY_RUN) {
                printed.add(new Schedule.Step(out.size(), Schedule.Kind.HOST_CURRENT, slotName(argSlots, prepared, s), null, "transferToDevice(EVERY_RUN)", List.of()));
                out.add(new PlanStep(Schedule.Kind.HOST_CURRENT, s, -1, null, true));
            }
        }
        for (int t = 0; t < prepared.length; t++) {
            PreparedTask p = prepared[t];
            List<Integer> launchAfter = new ArrayList<>();
            boolean[] seen = new boolean[slotCount];
            for (int s : p.arraySlots) {
                if (seen[s]) continue;
                seen[s] = true;
                // Written earlier in this run where this task runs: certainly current there, no step at all.
                if (p.place.equals(lastPlace[s])) continue;
                int idx = out.size();
                List<Integer> after = new ArrayList<>();
                if (p.copies) {
                    touch(sim, s, Residency.HOST).readDeps(after);
                    touch(sim, s, p.place).writeDeps(after);
                    touch(sim, s, Residency.HOST).read(idx);
                    touch(sim, s, p.place).write(idx);
                    copies.add(idx);
                    printed.add(new Schedule.Step(idx, Schedule.Kind.COPY_TO_DEVICE, slotName(argSlots, prepared, s), p.device.id(), "if stale", dedupe(after)));
                    out.add(new PlanStep(Schedule.Kind.COPY_TO_DEVICE, s, t, p, false));
                } else {
                    printed.add(new Schedule.Step(idx, Schedule.Kind.HOST_SYNC, slotName(argSlots, prepared, s), p.device.id(), "if a device holds it", List.of()));
                    out.add(new PlanStep(Schedule.Kind.HOST_SYNC, s, t, p, false));
                }
            }
            int idx = out.size();
            for (int i = 0; i < p.arraySlots.length; i++) {
                Touch<Integer> at = touch(sim, p.arraySlots[i], p.place);
                if (p.writes[i]) at.writeDeps(launchAfter);
                else at.readDeps(launchAfter);
            }
            for (int i = 0; i < p.arraySlots.length; i++) {
                Touch<Integer> at = touch(sim, p.arraySlots[i], p.place);
                if (p.writes[i]) {
                    at.write(idx);
                    lastDevice[p.arraySlots[i]] = p.device.id();
                    lastPlace[p.arraySlots[i]] = p.place;
                } else {
                    at.read(idx);
                }
            }
            printed.add(new Schedule.Step(idx, Schedule.Kind.LAUNCH, spec.tasks().get(t).id(), p.device.id(),
                    profiler ? (p.session.copiesData() ? "profiled" : "profiled (waits)") : "", dedupe(launchAfter)));
            out.add(new PlanStep(Schedule.Kind.LAUNCH, -1, t, p, false));
        }
        for (int s = 0; s < slotCount; s++) {
            Transfer mode = slotToHost[s];
            if (mode != Transfer.EVERY_RUN && mode != Transfer.FIRST_RUN) continue;
            int idx = out.size();
            List<Integer> after = new ArrayList<>();
            touch(sim, s, Residency.HOST).writeDeps(after);
            if (lastDevice[s] != null) touch(sim, s, lastDevice[s]).readDeps(after);
            touch(sim, s, Residency.HOST).write(idx);
            copies.add(idx);
            printed.add(new Schedule.Step(idx, Schedule.Kind.COPY_TO_HOST, slotName(argSlots, prepared, s), lastDevice[s],
                    mode == Transfer.EVERY_RUN ? "every run" : "first run only", dedupe(after)));
            out.add(new PlanStep(Schedule.Kind.COPY_TO_HOST, s, -1, null, mode == Transfer.EVERY_RUN));
        }
        printed.add(new Schedule.Step(out.size(), Schedule.Kind.WAIT, "copies", null, "", copies));
        out.add(new PlanStep(Schedule.Kind.WAIT, -1, -1, null, false));
        printed.add(new Schedule.Step(out.size(), Schedule.Kind.RELEASE, "unbound data", null, "", List.of()));
        out.add(new PlanStep(Schedule.Kind.RELEASE, -1, -1, null, false));
        Set<String> devices = new java.util.TreeSet<>();
        for (PreparedTask p : prepared) devices.add(p.device.id());
        return new Built(out.toArray(new PlanStep[0]), new Schedule("schedule of graph '" + spec.name() + "' on " + String.join(", ", devices), printed));
    }

    private static Touch<Integer> touch(Map<String, Touch<Integer>> sim, int slot, String place) {
        return sim.computeIfAbsent(slot + "@" + place, k -> new Touch<>());
    }

    private static List<Integer> dedupe(List<Integer> xs) {
        return List.copyOf(new java.util.TreeSet<>(xs));
    }

    /** A readable name for slot {@code s}: the kernel parameter it is first passed as, else {@code data<s>}. */
    static String slotName(int[][] argSlots, PreparedTask[] prepared, int s) {
        for (int t = 0; t < argSlots.length; t++) {
            for (int i = 0; i < argSlots[t].length; i++) {
                if (argSlots[t][i] == s && prepared != null && prepared[t] != null) {
                    return prepared[t].ir.params().get(i).name();
                }
            }
        }
        return "data" + s;
    }
}
