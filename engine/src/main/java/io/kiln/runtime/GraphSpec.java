package io.kiln.runtime;

import io.kiln.Grid;
import io.kiln.Transfer;

import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of a task graph.
 *
 * @param name     the graph's name
 * @param tasks    tasks in the order they run
 * @param toDevice arrays with an explicit host-to-device transfer mode (identity map)
 * @param toHost   arrays with a device-to-host transfer mode (identity map)
 * @param grids    launch sizes given where tasks were added ({@code TaskGraph.withGrid}), by task id
 */
public record GraphSpec(String name, List<TaskSpec> tasks, Map<Object, Transfer> toDevice, Map<Object, Transfer> toHost,
                        Map<String, Grid> grids) {

    /** A graph without grids. */
    public GraphSpec(String name, List<TaskSpec> tasks, Map<Object, Transfer> toDevice, Map<Object, Transfer> toHost) {
        this(name, tasks, toDevice, toHost, Map.of());
    }
}
