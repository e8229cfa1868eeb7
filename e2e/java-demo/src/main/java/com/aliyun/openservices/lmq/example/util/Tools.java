package com.aliyun.openservices.lmq.example.util;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The helpers of the cloud's demo project (util/Tools.java) that the demos here use, with the
 * same names and results.
 *
 * Magpie changes (only how, not what): Base64 comes from the JDK instead of commons-codec
 * (identical output: standard alphabet, padded, no line breaks), and the HTTP POST uses the
 * JDK's HttpClient instead of Apache httpclient + fastjson, so Paho is the only dependency.
 */
public class Tools {

    /**
     * Base64(HMAC-SHA1(key = secretKey, data = text)), both UTF-8: the signature-mode MQTT password
     * (text = the client ID) and the HTTP APIs' signature (text = the sorted parameters).
     */
    public static String macSignature(String text, String secretKey)
        throws InvalidKeyException, NoSuchAlgorithmException {
        String algorithm = "HmacSHA1";
        Mac mac = Mac.getInstance(algorithm);
        mac.init(new SecretKeySpec(secretKey.getBytes(StandardCharsets.UTF_8), algorithm));
        byte[] bytes = mac.doFinal(text.getBytes(StandardCharsets.UTF_8));
        return Base64.getEncoder().encodeToString(bytes);
    }

    /** The HTTP APIs' signature: "key=value" pairs sorted, joined with '&', then macSignature. */
    public static String doHttpSignature(Map<String, String> requestParams, String secretKey)
        throws InvalidKeyException, NoSuchAlgorithmException {
        List<String> paramList = new ArrayList<String>();
        for (Map.Entry<String, String> entry : requestParams.entrySet()) {
            paramList.add(entry.getKey() + "=" + entry.getValue());
        }
        Collections.sort(paramList);
        return macSignature(String.join("&", paramList), secretKey);
    }

    /**
     * POSTs the parameters form-encoded and returns the response body when the status is 200,
     * else null (as the cloud's helper does).
     */
    public static String httpsPost(String url, Map<String, String> params)
        throws IOException, InterruptedException {
        StringBuilder form = new StringBuilder();
        for (Map.Entry<String, String> entry : params.entrySet()) {
            if (form.length() > 0) {
                form.append('&');
            }
            form.append(URLEncoder.encode(entry.getKey(), StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(entry.getValue(), StandardCharsets.UTF_8));
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(form.toString()))
            .build();
        HttpResponse<String> response = HttpClient.newHttpClient()
            .send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return response.statusCode() == 200 ? response.body() : null;
    }

    /**
     * A top-level string field of a flat JSON object ("tokenData" of the token API's answer),
     * or null. Enough for the token API's answers; not a general JSON parser.
     */
    public static String jsonString(String json, String field) {
        if (json == null) {
            return null;
        }
        Matcher m = Pattern.compile("\"" + Pattern.quote(field) + "\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
            .matcher(json);
        return m.find() ? m.group(1).replace("\\/", "/").replace("\\\"", "\"").replace("\\\\", "\\") : null;
    }
}
