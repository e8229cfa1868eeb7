package com.aliyun.openservices.lmq.example.util;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;

/**
 * Magpie's addition to the cloud's demos (not in the original): their settings from the
 * environment, and a check that every message came back, so that a demo ends with an exit code
 * instead of sleeping forever. The demos call it at the points the comments mark.
 *
 * Output contract (the test in server/supervisor/java-demo.test.ts reads it): the last line is
 * "RESULT OK ..." with exit code 0, or "RESULT FAIL <reason>" with exit code 1.
 */
public final class DemoRun {
    private final int messages;
    private final String pubSubTopic;
    private final String p2pTopic;
    private final Set<String> pubSubReceived = ConcurrentHashMap.newKeySet();
    private final Set<String> p2pReceived = ConcurrentHashMap.newKeySet();
    private final AtomicInteger duplicates = new AtomicInteger();
    private final AtomicInteger acknowledged = new AtomicInteger();
    private final CountDownLatch subscribed = new CountDownLatch(1);
    private final CountDownLatch complete = new CountDownLatch(1);

    /** A required setting; a missing one ends the demo with a clear reason. */
    public static String env(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            fail("missing environment variable " + name);
        }
        return value;
    }

    public static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    /**
     * Starts the watchdog (DEMO_TIMEOUT_SECONDS, default 30): a demo that has not received
     * everything by then fails, wherever it is stuck (connecting, subscribing, waiting).
     */
    public DemoRun(int messages, String pubSubTopic, String p2pTopic) {
        this.messages = messages;
        this.pubSubTopic = pubSubTopic;
        this.p2pTopic = p2pTopic;
        // An exception the demo's main lets out (e.g. connect refused) is the run's result.
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> fail(describe(error)));
        long timeoutSeconds = Long.parseLong(env("DEMO_TIMEOUT_SECONDS", "30"));
        Thread watchdog = new Thread(() -> {
            try {
                if (!complete.await(timeoutSeconds, TimeUnit.SECONDS)) {
                    fail("timed out after " + timeoutSeconds + " s: " + progress());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }

    /** The subscription was granted (Paho's subscribe returned). */
    public void subscribed() {
        subscribed.countDown();
    }

    /** A subscription the broker refused (or any other subscribe error) ends the run. */
    public void subscribeFailed(MqttException e) {
        fail("subscribe refused: " + describe(e));
    }

    /**
     * The original publishes right after connect() while the subscription is made on another
     * thread, so its first pub/sub messages can overtake the SUBSCRIBE and are then (correctly)
     * not delivered. Waiting here makes "every message comes back" a fair check.
     */
    public void awaitSubscribed() throws InterruptedException {
        subscribed.await();
    }

    public void messageArrived(String topic, MqttMessage message) {
        String body = new String(message.getPayload(), StandardCharsets.UTF_8);
        Set<String> into;
        if (topic.equals(pubSubTopic)) {
            into = pubSubReceived;
        } else if (topic.equals(p2pTopic)) {
            into = p2pReceived;
        } else {
            fail("message on an unexpected topic " + topic + ": " + body);
            return;
        }
        if (!into.add(body)) {
            duplicates.incrementAndGet();
        }
        check();
    }

    /** A QoS 1 publish was acknowledged (PUBACK). */
    public void deliveryComplete() {
        acknowledged.incrementAndGet();
        check();
    }

    private void check() {
        if (pubSubReceived.size() >= messages && p2pReceived.size() >= messages && acknowledged.get() >= 2 * messages) {
            complete.countDown();
        }
    }

    private String progress() {
        return "pub/sub received " + pubSubReceived.size() + "/" + messages
            + ", p2p received " + p2pReceived.size() + "/" + messages
            + ", acknowledged " + acknowledged.get() + "/" + (2 * messages)
            + ", duplicates " + duplicates.get();
    }

    /**
     * Replaces the original's Thread.sleep(Long.MAX_VALUE): waits until every message came back
     * (or the watchdog fails the run), disconnects, and exits 0.
     */
    public void finish(MqttClient mqttClient) throws InterruptedException {
        complete.await();
        // Distinct bodies per message: more distinct bodies than sent would be a bug too.
        if (pubSubReceived.size() != messages || p2pReceived.size() != messages) {
            fail("received unexpected messages: " + progress());
        }
        try {
            mqttClient.disconnect(5000);
            mqttClient.close();
        } catch (MqttException e) {
            fail("disconnect failed: " + describe(e));
        }
        System.out.println("RESULT OK " + progress());
        System.out.flush();
        System.exit(0);
    }

    private static String describe(Throwable error) {
        if (error instanceof MqttException) {
            MqttException e = (MqttException) error;
            String text = "MqttException reason code " + e.getReasonCode() + " (" + e.getMessage() + ")";
            return e.getCause() == null ? text : text + " caused by " + e.getCause();
        }
        return error.toString();
    }

    public static void fail(String reason) {
        System.out.println("RESULT FAIL " + reason);
        System.out.flush();
        System.exit(1);
    }
}
