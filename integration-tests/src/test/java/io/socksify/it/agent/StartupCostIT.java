package io.socksify.it.agent;

import io.socksify.it.apps.HelloApp;
import io.socksify.it.support.ChildJvm;
import io.socksify.it.support.Jdks;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the agent adds to a JVM's start: the smallest application, run alternately with and without the agent, the
 * median wall time of each printed. The bound is loose (a shared CI machine is noisy); it catches a regression to an
 * agent that instruments far more than it needs (a naive Byte Buddy agent costs about 370 ms here).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StartupCostIT {
    private static final int RUNS = 7;
    private static final long MAX_OVERHEAD_MILLIS = 1_000;

    @ParameterizedTest
    @MethodSource("io.socksify.it.support.Jdks#all")
    void agentAddsLittleToStartUp(Path jdk) {
        List<Long> plain = new ArrayList<>();
        List<Long> agent = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            plain.add(timed(ChildJvm.builder(HelloApp.class).javaHome(jdk)));
            agent.add(timed(ChildJvm.builder(HelloApp.class).javaHome(jdk).agent("proxy=socks5://127.0.0.1:1080")));
        }
        long plainMedian = median(plain);
        long agentMedian = median(agent);
        System.out.println("start-up on JDK " + Jdks.featureVersion(jdk).orElse(0) + ": without agent " + plainMedian
                + " ms, with agent " + agentMedian + " ms (medians of " + RUNS + "; overhead "
                + (agentMedian - plainMedian) + " ms)");
        assertTrue(agentMedian - plainMedian < MAX_OVERHEAD_MILLIS, "overhead " + (agentMedian - plainMedian)
                + " ms: without " + plain + ", with " + agent);
    }

    private static long timed(ChildJvm.Builder builder) {
        long start = System.nanoTime();
        ChildJvm child = builder.run(Apps.CHILD_TIMEOUT);
        long millis = (System.nanoTime() - start) / 1_000_000;
        child.assertExitCode(0);
        assertTrue(child.stdout().contains("hello"), child.describe());
        return millis;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }
}
