package io.changestream.archiver.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.bench.ChangeEventSamples;
import io.changestream.archiver.capture.ChangeEvent;
import java.util.List;
import org.bson.RawBsonDocument;
import org.bson.codecs.RawBsonDocumentCodec;
import org.junit.jupiter.api.Test;

class CollectionBufferTest {
    private static final RawBsonDocumentCodec RAW = new RawBsonDocumentCodec();

    /** Small events as the driver hands them over: in its grown array, more than an eighth of it slack. */
    private static List<ChangeEvent> fromDriver(int count) {
        return new ChangeEventSamples(3).stream(count, 0).stream().map(e -> ChangeEvent.of(e.decode(RAW))).toList();
    }

    @Test
    void keepsEventsAsHandedOverUntilFullThenCompactsTheBacklog() {
        List<ChangeEvent> events = fromDriver(5);
        assertThat(events).allSatisfy(e -> assertThat(e.array().length - e.byteSize()).isGreaterThan(e.byteSize() / 8));
        MemoryBudget budget = new MemoryBudget(1 << 20);
        CollectionBuffer buffer = new CollectionBuffer(budget, 3, Long.MAX_VALUE);

        assertThat(buffer.add(events.get(0))).isFalse();
        assertThat(buffer.add(events.get(1))).isFalse();
        assertThat(buffer.add(events.get(2))).isTrue();
        assertThat(buffer.add(events.get(3))).isTrue(); // the flush did not happen: a backlog builds up
        assertThat(buffer.add(events.get(4))).isTrue();

        List<ChangeEvent> held = buffer.snapshot();
        assertThat(held).containsExactlyElementsOf(events);
        for (int i = 0; i < 3; i++) {
            assertThat(held.get(i)).isSameAs(events.get(i));
        }
        for (int i = 3; i < 5; i++) {
            assertThat(held.get(i).array()).hasSize(events.get(i).byteSize());
            assertThat(held.get(i).resumeToken()).isEqualTo(events.get(i).resumeToken());
        }
        long total = events.stream().mapToLong(ChangeEvent::byteSize).sum();
        assertThat(buffer.bytes()).isEqualTo(total);

        buffer.removeDurable(4);
        assertThat(buffer.snapshot()).containsExactly(events.get(4));
        assertThat(buffer.bytes()).isEqualTo(events.get(4).byteSize());
        assertThat(buffer.isFull()).isFalse();
    }

    @Test
    void aDiscardedBufferTakesNothingAndReturnsItsMemory() {
        List<ChangeEvent> events = fromDriver(2);
        MemoryBudget budget = new MemoryBudget(events.get(0).byteSize());
        CollectionBuffer buffer = new CollectionBuffer(budget, 10, Long.MAX_VALUE);
        buffer.add(events.get(0));
        assertThat(budget.hasRoom()).isFalse();
        buffer.discard();
        assertThat(budget.hasRoom()).isTrue();
        assertThat(buffer.add(events.get(1))).isFalse();
        assertThat(buffer.size()).isZero();
    }
}
