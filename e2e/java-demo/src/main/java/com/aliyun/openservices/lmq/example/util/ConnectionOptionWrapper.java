package com.aliyun.openservices.lmq.example.util;

import static org.eclipse.paho.client.mqttv3.MqttConnectOptions.MQTT_VERSION_3_1_1;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;

/**
 * The connect options of the cloud's demos (util/ConnectionOptionWrapper.java), unchanged: the
 * same user name and password formats and the same Paho settings (clean session, keep-alive 90 s,
 * automatic reconnect, MQTT 3.1.1, connection timeout 5000 - Paho counts it in seconds).
 */
public class ConnectionOptionWrapper {
    private final MqttConnectOptions mqttConnectOptions;
    /** Token mode: token type ("R", "W" or "RW") to token. */
    private final Map<String, String> tokenData = new ConcurrentHashMap<String, String>();

    /** Token mode: user name "Token|AccessKey|InstanceId", password "type|token|type|token". */
    public ConnectionOptionWrapper(String instanceId, String accessKey, String clientId,
        Map<String, String> tokenData) {
        if (tokenData != null) {
            this.tokenData.putAll(tokenData);
        }
        mqttConnectOptions = new MqttConnectOptions();
        mqttConnectOptions.setUserName("Token|" + accessKey + "|" + instanceId);
        StringBuilder builder = new StringBuilder();
        for (Map.Entry<String, String> entry : this.tokenData.entrySet()) {
            builder.append(entry.getKey()).append("|").append(entry.getValue()).append("|");
        }
        if (builder.length() > 0) {
            builder.setLength(builder.length() - 1);
        }
        mqttConnectOptions.setPassword(builder.toString().toCharArray());
        applyCommonOptions();
    }

    /** Signature mode: user name "Signature|AccessKey|InstanceId", password macSignature(clientId, secretKey). */
    public ConnectionOptionWrapper(String instanceId, String accessKey, String secretKey, String clientId)
        throws NoSuchAlgorithmException, InvalidKeyException {
        mqttConnectOptions = new MqttConnectOptions();
        mqttConnectOptions.setUserName("Signature|" + accessKey + "|" + instanceId);
        mqttConnectOptions.setPassword(Tools.macSignature(clientId, secretKey).toCharArray());
        applyCommonOptions();
    }

    private void applyCommonOptions() {
        mqttConnectOptions.setCleanSession(true);
        mqttConnectOptions.setKeepAliveInterval(90);
        mqttConnectOptions.setAutomaticReconnect(true);
        mqttConnectOptions.setMqttVersion(MQTT_VERSION_3_1_1);
        mqttConnectOptions.setConnectionTimeout(5000);
    }

    public MqttConnectOptions getMqttConnectOptions() {
        return mqttConnectOptions;
    }
}
