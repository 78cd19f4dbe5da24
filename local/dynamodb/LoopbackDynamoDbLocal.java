import java.lang.reflect.Field;

/**
 * Starts DynamoDB Local listening on 127.0.0.1 only. Its command line has no host option and its
 * Jetty server binds every interface, so this sets the host on Jetty's connectors before starting it
 * (reflection only: no compile-time dependency, run as a single-file source program on Java 17+).
 * Arguments are DynamoDB Local's own (-inMemory, -port N, -sharedDb, -disableTelemetry).
 */
public class LoopbackDynamoDbLocal {
  public static void main(String[] args) throws Exception {
    Class<?> runner = Class.forName("software.amazon.dynamodb.services.local.main.ServerRunner");
    Object proxy = runner.getMethod("createServerFromCommandLineArgs", String[].class).invoke(null, (Object) args);
    Field field = proxy.getClass().getDeclaredField("server");
    field.setAccessible(true);
    Object server = field.get(proxy);
    Object[] connectors = (Object[]) server.getClass().getMethod("getConnectors").invoke(server);
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local has no connector to bind");
    for (Object connector : connectors) connector.getClass().getMethod("setHost", String.class).invoke(connector, "127.0.0.1");
    proxy.getClass().getMethod("start").invoke(proxy);
    proxy.getClass().getMethod("join").invoke(proxy);
  }
}
