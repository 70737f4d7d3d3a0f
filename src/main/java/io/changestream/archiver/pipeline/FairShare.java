package io.changestream.archiver.pipeline;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How many collections an instance should hold: the targets of all live instances add up to the number of
 * collections, and each is {@code floor(n / k)} or {@code ceil(n / k)} for {@code n} collections and {@code k}
 * live instances, so no instance ever holds more than {@code ceil(n / k)}.
 *
 * <p>Who gets the {@code n mod k} larger shares is decided by one order every instance computes alike from the same
 * tracker contents: most collections held first, then instance id. Favouring the current holders keeps a stable
 * split stable (nobody hands over a collection only to take another); a newcomer's share comes out of the largest
 * holdings. The live instances are those with a current heartbeat, plus every owner of a live lease (a holder whose
 * heartbeat is late is still a holder), plus the caller itself.
 */
final class FairShare {
    private FairShare() {
    }

    /**
     * @param collections how many collections there are
     * @param self        the asking instance
     * @param live        instances with a current heartbeat
     * @param holdings    live leases held per instance (instances holding none may be missing)
     */
    static int target(int collections, String self, Set<String> live, Map<String, Integer> holdings) {
        TreeSet<String> instances = new TreeSet<>(live);
        instances.add(self);
        holdings.forEach((owner, count) -> {
            if (count > 0) {
                instances.add(owner);
            }
        });
        List<String> order = new ArrayList<>(instances);
        order.sort(Comparator.<String>comparingInt(i -> -holdings.getOrDefault(i, 0))
                .thenComparing(Comparator.naturalOrder()));
        int base = collections / order.size();
        int larger = collections % order.size();
        return base + (order.indexOf(self) < larger ? 1 : 0);
    }
}
