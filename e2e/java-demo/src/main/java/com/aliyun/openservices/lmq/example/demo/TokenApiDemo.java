package com.aliyun.openservices.lmq.example.demo;

import com.aliyun.openservices.lmq.example.util.Tools;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The token server API call of the cloud's demo (TokenApiDemo.applyToken): in real use the
 * application server applies for tokens and hands them to its devices. Same parameters and
 * signature; Magpie serves it at the console's address (POST /token/apply).
 */
public class TokenApiDemo {
    private static final String applyTokenUrl = "/token/apply";

    /**
     * Applies for a token.
     *
     * @param apiUrl the token server, e.g. http://localhost:3000 for Magpie
     * @param topics the topic filters the token grants (sorted and comma-joined, as the API wants)
     * @param action "R", "W" or "R,W"
     * @param expireTime how long the token lives, in ms from now (as the original's body treats it)
     * @return the token, or null when the server refused (its answer is printed)
     */
    public static String applyToken(String apiUrl, String accessKey, String secretKey, List<String> topics,
        String action, long expireTime, String instanceId) throws Exception {
        Map<String, String> paramMap = new HashMap<String, String>();
        Collections.sort(topics);
        paramMap.put("resources", String.join(",", topics));
        paramMap.put("actions", action);
        paramMap.put("serviceName", "mq");
        paramMap.put("expireTime", String.valueOf(System.currentTimeMillis() + expireTime));
        paramMap.put("instanceId", instanceId);
        String signature = Tools.doHttpSignature(paramMap, secretKey);
        paramMap.put("proxyType", "MQTT");
        paramMap.put("accessKey", accessKey);
        paramMap.put("signature", signature);
        String answer = Tools.httpsPost(apiUrl + applyTokenUrl, paramMap);
        System.out.println("token apply answer: " + answer);
        return Tools.jsonString(answer, "tokenData");
    }
}
