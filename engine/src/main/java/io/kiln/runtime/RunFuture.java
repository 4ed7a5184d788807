package io.kiln.runtime;

import io.kiln.RunResult;

import java.util.concurrent.CompletableFuture;

/** A future whose {@code cancel} reaches the devices. */
final class RunFuture extends CompletableFuture<RunResult> {
    final PlanExecutor executor;
    /** The run, once it began; guarded by the executor's {@code closeLock}. */
    RunState state;

    RunFuture(PlanExecutor executor) {
        this.executor = executor;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean done = super.cancel(mayInterruptIfRunning);
        if (done) {
            RunState r;
            synchronized (executor.closeLock) {
                r = state;
            }
            if (r != null) executor.cancel(r, "the run was cancelled (Future.cancel)");
        }
        return done;
    }
}
