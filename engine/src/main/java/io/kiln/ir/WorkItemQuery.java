package io.kiln.ir;

/** The work-item queries of {@code KernelContext}. */
public enum WorkItemQuery {
    GLOBAL_ID, GLOBAL_SIZE, LOCAL_ID, LOCAL_SIZE, GROUP_ID, NUM_GROUPS
}
