/**
 * "Connect a client" examples for one instance, as plain text: Java with Eclipse Paho (the
 * shape of the cloud service's own demos: MqttConnectOptions, Signature|AK|instance, the
 * HMAC-SHA1 password), Node.js with MQTT.js, Python with paho-mqtt, and mosquitto_sub/pub.
 *
 * The AccessKey secret is never known here (it is shown once, at creation): every example reads
 * it from the MAGPIE_SECRET environment variable and computes the password itself. Open-mode
 * instances get examples without credentials.
 */

export const SNIPPET_LANGUAGES = ['java', 'node', 'python', 'mosquitto'] as const;
export type SnippetLanguage = (typeof SNIPPET_LANGUAGES)[number];

export const LANGUAGE_LABEL: Record<SnippetLanguage, string> = {
  java: 'Java (Eclipse Paho)',
  node: 'Node.js (MQTT.js)',
  python: 'Python (paho-mqtt)',
  mosquitto: 'mosquitto_sub / mosquitto_pub',
};

export interface SnippetParams {
  instanceId: string;
  /** Host name clients dial (the console's public host setting). */
  host: string;
  /** MQTT over TCP port of the instance. */
  port: number;
  openMode: boolean;
  /** AccessKey ID for signature mode; ignored in open mode. */
  accessKeyId: string;
  groupId: string;
  /** Letters, digits, "-", "_" and "." only (the form keeps it so): safe inside any quoting below. */
  deviceId: string;
  parentTopic: string;
}

export const clientIdOf = (p: Pick<SnippetParams, 'groupId' | 'deviceId'>) => `${p.groupId}@@@${p.deviceId}`;
const topicOf = (p: SnippetParams) => `${p.parentTopic}/test`;
const username = (p: SnippetParams) => `Signature|${p.accessKeyId}|${p.instanceId}`;
/** Host as it goes into a URL: IPv6 literals need brackets. */
const urlHost = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host);

function java(p: SnippetParams): string {
  const auth = p.openMode
    ? ['        // Open mode: no user name or password.']
    : [
        '        // Signature mode: user name Signature|AccessKeyId|InstanceId,',
        '        // password Base64(HMAC-SHA1(AccessKeySecret, clientId)).',
        '        options.setUserName("Signature|" + accessKey + "|" + instanceId);',
        '        options.setPassword(macSignature(clientId, secretKey).toCharArray());',
      ];
  return [
    '// Maven: org.eclipse.paho:org.eclipse.paho.client.mqttv3:1.2.5',
    'import java.nio.charset.StandardCharsets;',
    'import java.util.Base64;',
    'import javax.crypto.Mac;',
    'import javax.crypto.spec.SecretKeySpec;',
    'import org.eclipse.paho.client.mqttv3.*;',
    'import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;',
    '',
    'public class MagpieDemo {',
    '    public static void main(String[] args) throws Exception {',
    `        String instanceId = "${p.instanceId}";`,
    `        String endPoint = "${p.host}";`,
    ...(p.openMode
      ? []
      : [`        String accessKey = "${p.accessKeyId}";`, '        String secretKey = System.getenv("MAGPIE_SECRET"); // the AccessKey secret']),
    '        // <GroupID>@@@<DeviceID>: unique per connection, at most 64 characters.',
    `        String clientId = "${clientIdOf(p)}";`,
    `        String topic = "${topicOf(p)}";`,
    '',
    '        MqttConnectOptions options = new MqttConnectOptions();',
    ...auth,
    '        options.setCleanSession(true);',
    '        options.setKeepAliveInterval(90);',
    '        options.setAutomaticReconnect(true);',
    '        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);',
    '',
    `        final MqttClient client = new MqttClient("tcp://" + endPoint + ":${p.port}", clientId, new MemoryPersistence());`,
    '        client.setTimeToWait(5000);',
    '        client.setCallback(new MqttCallbackExtended() {',
    '            public void connectComplete(boolean reconnect, String serverURI) {',
    '                System.out.println("connected to " + serverURI);',
    '            }',
    '            public void connectionLost(Throwable cause) {',
    '                cause.printStackTrace();',
    '            }',
    '            public void messageArrived(String t, MqttMessage message) {',
    '                System.out.println("received on " + t + ": " + new String(message.getPayload(), StandardCharsets.UTF_8));',
    '            }',
    '            public void deliveryComplete(IMqttDeliveryToken token) {',
    '            }',
    '        });',
    '        client.connect(options);',
    '        client.subscribe(topic, 1);',
    '        MqttMessage message = new MqttMessage("hello from Paho".getBytes(StandardCharsets.UTF_8));',
    '        message.setQos(1);',
    '        client.publish(topic, message);',
    '        Thread.sleep(2000);',
    '        client.disconnect();',
    '        client.close();',
    '    }',
    ...(p.openMode
      ? []
      : [
          '',
          '    /** Base64(HMAC-SHA1(key = secret, data = text)), UTF-8: the password of signature mode. */',
          '    static String macSignature(String text, String secretKey) throws Exception {',
          '        Mac mac = Mac.getInstance("HmacSHA1");',
          '        mac.init(new SecretKeySpec(secretKey.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));',
          '        return Base64.getEncoder().encodeToString(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));',
          '    }',
        ]),
    '}',
  ].join('\n');
}

function node(p: SnippetParams): string {
  return [
    '// npm install mqtt   (save as demo.mjs, run: node demo.mjs)',
    ...(p.openMode ? [] : ["import crypto from 'node:crypto';"]),
    "import mqtt from 'mqtt';",
    '',
    ...(p.openMode ? [`// Instance ${p.instanceId}`] : [`const instanceId = '${p.instanceId}';`, `const accessKeyId = '${p.accessKeyId}';`]),
    `const clientId = '${clientIdOf(p)}';`,
    `const topic = '${topicOf(p)}';`,
    ...(p.openMode
      ? []
      : [
          '// Signature mode: Base64(HMAC-SHA1(AccessKeySecret, clientId)).',
          "const password = crypto.createHmac('sha1', process.env.MAGPIE_SECRET).update(clientId).digest('base64');",
        ]),
    '',
    `const client = mqtt.connect('mqtt://${urlHost(p.host)}:${p.port}', {`,
    '  clientId,',
    ...(p.openMode ? ['  // Open mode: no user name or password.'] : ['  username: `Signature|${accessKeyId}|${instanceId}`,', '  password,']),
    '  protocolVersion: 4,',
    '  clean: true,',
    '  keepalive: 90,',
    '  reconnectPeriod: 0,',
    '});',
    "client.on('connect', async () => {",
    '  await client.subscribeAsync(topic, { qos: 1 });',
    "  await client.publishAsync(topic, 'hello from MQTT.js', { qos: 1 });",
    '});',
    "client.on('message', (t, payload) => {",
    '  console.log(`received on ${t}: ${payload}`);',
    '  client.end();',
    '});',
    "client.on('error', (err) => {",
    '  console.error(err.message);',
    '  client.end();',
    '  process.exitCode = 1;',
    '});',
  ].join('\n');
}

function python(p: SnippetParams): string {
  return [
    '# pip install paho-mqtt   (2.x)',
    ...(p.openMode ? [] : ['import base64, hashlib, hmac, os']),
    'import paho.mqtt.client as mqtt',
    '',
    `instance_id = "${p.instanceId}"`,
    ...(p.openMode ? [] : [`access_key_id = "${p.accessKeyId}"`]),
    `client_id = "${clientIdOf(p)}"`,
    `topic = "${topicOf(p)}"`,
    ...(p.openMode
      ? []
      : [
          '# Signature mode: Base64(HMAC-SHA1(AccessKeySecret, client_id)).',
          'secret = os.environ["MAGPIE_SECRET"].encode()',
          'password = base64.b64encode(hmac.new(secret, client_id.encode(), hashlib.sha1).digest()).decode()',
        ]),
    '',
    '',
    'def on_connect(client, userdata, flags, reason_code, properties):',
    '    print("connected:", reason_code)',
    '    client.subscribe(topic, qos=1)',
    '    client.publish(topic, "hello from paho-mqtt", qos=1)',
    '',
    '',
    'def on_message(client, userdata, message):',
    '    print("received on", message.topic, message.payload.decode())',
    '    client.disconnect()',
    '',
    '',
    'client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)',
    ...(p.openMode ? ['# Open mode: no user name or password.'] : ['client.username_pw_set(f"Signature|{access_key_id}|{instance_id}", password)']),
    'client.on_connect = on_connect',
    'client.on_message = on_message',
    `client.connect("${p.host}", ${p.port}, keepalive=90)`,
    'client.loop_forever()',
  ].join('\n');
}

function mosquitto(p: SnippetParams): string {
  const sub = clientIdOf(p);
  const pub = clientIdOf({ groupId: p.groupId, deviceId: `${p.deviceId}-pub` });
  const common = `-h ${p.host} -p ${p.port} -V mqttv311`;
  if (p.openMode) {
    return [
      '# Open mode: no user name or password.',
      `mosquitto_sub ${common} -i '${sub}' -t '${p.parentTopic}/#' -q 1 -v`,
      '',
      '# In another terminal (another client ID: a second connection with the same one takes over):',
      `mosquitto_pub ${common} -i '${pub}' -t '${topicOf(p)}' -q 1 -m 'hello from mosquitto_pub'`,
    ].join('\n');
  }
  return [
    '# The password is Base64(HMAC-SHA1(AccessKeySecret, client ID)), one per client ID.',
    'sign() { printf %s "$1" | openssl dgst -sha1 -hmac "$MAGPIE_SECRET" -binary | base64; }',
    '',
    `mosquitto_sub ${common} -i '${sub}' \\`,
    `  -u '${username(p)}' -P "$(sign '${sub}')" \\`,
    `  -t '${p.parentTopic}/#' -q 1 -v`,
    '',
    '# In another terminal (another client ID: a second connection with the same one takes over):',
    `mosquitto_pub ${common} -i '${pub}' \\`,
    `  -u '${username(p)}' -P "$(sign '${pub}')" \\`,
    `  -t '${topicOf(p)}' -q 1 -m 'hello from mosquitto_pub'`,
  ].join('\n');
}

export function snippet(language: SnippetLanguage, p: SnippetParams): string {
  switch (language) {
    case 'java':
      return java(p);
    case 'node':
      return node(p);
    case 'python':
      return python(p);
    case 'mosquitto':
      return mosquitto(p);
  }
}
