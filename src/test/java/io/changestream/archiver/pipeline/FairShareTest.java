package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FairShareTest {

    @Test
    void aSingleInstanceHoldsEveryCollection() {
        assertThat(FairShare.target(4, "pod-a", Set.of("pod-a"), Map.of())).isEqualTo(4);
        assertThat(FairShare.target(4, "pod-a", Set.of(), Map.of())).as("before its own heartbeat is read")
                .isEqualTo(4);
    }

    @Test
    void twoInstancesSplitFourCollectionsTwoAndTwo() {
        Map<String, Integer> holdings = Map.of("pod-a", 4);

        assertThat(FairShare.target(4, "pod-a", Set.of("pod-a", "pod-b"), holdings)).isEqualTo(2);
        assertThat(FairShare.target(4, "pod-b", Set.of("pod-a", "pod-b"), holdings)).isEqualTo(2);
    }

    @Test
    void theLargerSharesGoToTheInstancesHoldingMostSoAStableSplitStaysPut() {
        Map<String, Integer> holdings = Map.of("pod-b", 2, "pod-a", 1);
        Set<String> live = Set.of("pod-a", "pod-b");

        assertThat(FairShare.target(3, "pod-b", live, holdings)).isEqualTo(2);
        assertThat(FairShare.target(3, "pod-a", live, holdings)).isEqualTo(1);
    }

    @Test
    void everyInstanceHoldsAtMostTheCeilingAndTheTargetsAddUpToTheCollections() {
        Set<String> live = Set.of("pod-a", "pod-b", "pod-c");
        Map<String, Integer> holdings = Map.of("pod-a", 2, "pod-b", 2);

        int a = FairShare.target(4, "pod-a", live, holdings);
        int b = FairShare.target(4, "pod-b", live, holdings);
        int c = FairShare.target(4, "pod-c", live, holdings);

        assertThat(a + b + c).isEqualTo(4);
        assertThat(java.util.List.of(a, b, c)).allSatisfy(t -> assertThat(t).isBetween(1, 2));
        assertThat(c).as("the newcomer's share comes out of the largest holdings").isEqualTo(1);
    }

    @Test
    void moreInstancesThanCollectionsLeaveAStandbyWithNothingToHold() {
        Set<String> live = Set.of("pod-a", "pod-b");
        Map<String, Integer> holdings = Map.of("pod-b", 1);

        assertThat(FairShare.target(1, "pod-b", live, holdings)).isEqualTo(1);
        assertThat(FairShare.target(1, "pod-a", live, holdings)).isZero();
    }

    @Test
    void theOwnerOfALiveLeaseCountsAsLiveEvenWhenItsHeartbeatIsLate() {
        assertThat(FairShare.target(4, "pod-b", Set.of("pod-b"), Map.of("pod-a", 2))).isEqualTo(2);
    }
}
