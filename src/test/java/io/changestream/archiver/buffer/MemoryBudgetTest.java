package io.changestream.archiver.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemoryBudgetTest {

    @Test
    void aParkedCaptureResumesOnTheResumeExecutorNotOnTheReleasingFlushThread() {
        List<Runnable> handedToExecutor = new ArrayList<>();
        MemoryBudget budget = new MemoryBudget(100, handedToExecutor::add);
        budget.take(100);
        List<String> resumedOn = new ArrayList<>();

        assertThat(budget.whenRoom(() -> resumedOn.add(Thread.currentThread().getName()))).as("parked").isFalse();
        budget.release(50); // as a flush does, under its collection's flush lock

        assertThat(resumedOn).as("nothing resumed on the releasing thread").isEmpty();
        assertThat(handedToExecutor).hasSize(1);
        handedToExecutor.get(0).run();
        assertThat(resumedOn).hasSize(1);
        assertThat(budget.paused()).isFalse();
    }

    @Test
    void withRoomTheResumeRunsAtOnceOnTheCallersThread() {
        List<Runnable> handedToExecutor = new ArrayList<>();
        MemoryBudget budget = new MemoryBudget(100, handedToExecutor::add);
        List<String> resumedOn = new ArrayList<>();

        assertThat(budget.whenRoom(() -> resumedOn.add(Thread.currentThread().getName()))).isTrue();

        assertThat(resumedOn).containsExactly(Thread.currentThread().getName());
        assertThat(handedToExecutor).isEmpty();
    }
}
