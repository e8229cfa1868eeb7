package com.aliyun.openservices.lmq.example.demo;

import com.aliyun.openservices.lmq.example.util.ConnectionOptionWrapper;
import com.aliyun.openservices.lmq.example.util.DemoRun;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The cloud's demo "MQ4IoT client sends to MQ4IoT client, signature mode": one Paho client
 * connects with Signature|AccessKey|InstanceId and Base64(HMAC-SHA1(secret, clientId)),
 * subscribes to parentTopic/testMq4Iot, publishes 10 messages there and 10 P2P messages to
 * parentTopic/p2p/itsOwnClientId, and prints what it receives.
 *
 * Kept as the original: the client ID format, topics, connect options (ConnectionOptionWrapper),
 * setTimeToWait, the callback, subscribing from connectComplete on a single-thread executor,
 * and the publish loop. Changed for Magpie, each marked "Magpie:" below:
 * - the values the original hard-codes ("XXXXX") come from the environment;
 * - QoS 1 instead of 0, so that "every message arrives" is a promise to check, not luck;
 * - a number in each message body, to tell the 10 messages apart;
 * - it waits for its subscription before publishing, and ends with an exit code once every
 *   message came back instead of sleeping forever (util/DemoRun.java).
 */
public class MQ4IoTSendMessageToMQ4IoTUseSignatureMode {
    public static void main(String[] args) throws Exception {
        /**
         * The instance ID, from the console.
         * Magpie: MQTT_INSTANCE_ID.
         */
        String instanceId = DemoRun.env("MQTT_INSTANCE_ID");
        /**
         * The endpoint. Magpie: MQTT_ENDPOINT is the whole server URI: the original builds
         * "tcp://" + endPoint + ":1883", but a local Magpie instance may listen on another port,
         * and "ssl://host:port" selects MQTT over TLS (as the original's comment says to do).
         */
        String endPoint = DemoRun.env("MQTT_ENDPOINT");
        /**
         * The AccessKey ID and secret. Magpie: MQTT_ACCESS_KEY, MQTT_SECRET_KEY.
         */
        String accessKey = DemoRun.env("MQTT_ACCESS_KEY");
        String secretKey = DemoRun.env("MQTT_SECRET_KEY");
        /**
         * The client ID, GroupID@@@DeviceID, unique per TCP connection, at most 64 characters.
         * Magpie: the Group ID from MQTT_GROUP_ID, the device ID from MQTT_DEVICE_ID (optional).
         */
        String clientId = DemoRun.env("MQTT_GROUP_ID") + "@@@" + DemoRun.env("MQTT_DEVICE_ID", "JAVA_DEMO_001");
        /**
         * The parent topic, created in the console. Magpie: MQTT_PARENT_TOPIC.
         */
        final String parentTopic = DemoRun.env("MQTT_PARENT_TOPIC");
        /**
         * A subtopic: needs no creation.
         */
        final String mq4IotTopic = parentTopic + "/" + "testMq4Iot";
        /**
         * QoS. Magpie: 1 (the original uses 0).
         */
        final int qosLevel = 1;
        final String p2pSendTopic = parentTopic + "/p2p/" + clientId;
        // Magpie: the check that every message comes back (not in the original).
        final DemoRun demoRun = new DemoRun(10, mq4IotTopic, p2pSendTopic);
        ConnectionOptionWrapper connectionOptionWrapper = new ConnectionOptionWrapper(instanceId, accessKey, secretKey, clientId);
        final MemoryPersistence memoryPersistence = new MemoryPersistence();
        final MqttClient mqttClient = new MqttClient(endPoint, clientId, memoryPersistence);
        /**
         * A send timeout, so that nothing blocks forever.
         */
        mqttClient.setTimeToWait(5000);
        final ExecutorService executorService = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<Runnable>());
        mqttClient.setCallback(new MqttCallbackExtended() {
            @Override
            public void connectComplete(boolean reconnect, String serverURI) {
                /**
                 * Subscribe as soon as the connection is made.
                 */
                System.out.println("connect success");
                executorService.submit(new Runnable() {
                    @Override
                    public void run() {
                        try {
                            final String topicFilter[] = {mq4IotTopic};
                            final int[] qos = {qosLevel};
                            mqttClient.subscribe(topicFilter, qos);
                            demoRun.subscribed(); // Magpie
                        } catch (MqttException e) {
                            e.printStackTrace();
                            demoRun.subscribeFailed(e); // Magpie
                        }
                    }
                });
            }

            @Override
            public void connectionLost(Throwable throwable) {
                throwable.printStackTrace();
            }

            @Override
            public void messageArrived(String s, MqttMessage mqttMessage) throws Exception {
                /**
                 * Must not throw; returning means the message is consumed.
                 */
                System.out.println(
                    "receive msg from topic " + s + " , body is " + new String(mqttMessage.getPayload()));
                demoRun.messageArrived(s, mqttMessage); // Magpie
            }

            @Override
            public void deliveryComplete(IMqttDeliveryToken iMqttDeliveryToken) {
                System.out.println("send msg succeed topic is : " + iMqttDeliveryToken.getTopics()[0]);
                demoRun.deliveryComplete(); // Magpie
            }
        });
        mqttClient.connect(connectionOptionWrapper.getMqttConnectOptions());
        demoRun.awaitSubscribed(); // Magpie
        for (int i = 0; i < 10; i++) {
            MqttMessage message = new MqttMessage(("hello mq4Iot pub sub msg " + i).getBytes());
            message.setQos(qosLevel);
            /**
             * A pub/sub message: its topic must match the receiver's subscription.
             */
            mqttClient.publish(mq4IotTopic, message);
            /**
             * A P2P message: topic parentTopic/p2p/targetClientId; the target needs no subscription.
             */
            message = new MqttMessage(("hello mq4Iot p2p msg " + i).getBytes());
            message.setQos(qosLevel);
            mqttClient.publish(p2pSendTopic, message);
        }
        // Magpie: instead of Thread.sleep(Long.MAX_VALUE).
        demoRun.finish(mqttClient);
    }
}
