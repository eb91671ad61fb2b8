package io.sightline.integrate;

import io.sightline.Role;
import io.sightline.config.Secrets;
import io.sightline.monitor.RepeatedWarnings;
import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Component;
import org.apache.camel.component.paho.mqtt5.PahoMqtt5Configuration;

/**
 * Receiving roles (the console runs the alert rules): what routes/receiver-integrations.camel.yaml calls - the MQTT
 * client's connection (its password is a secret, so it is set here rather than in the route), the webhook's
 * signature and the count of deliveries given up.
 */
public class IntegrationsConfiguration implements CamelConfiguration {

    /** The {@code paho-mqtt5} component of the MQTT routes: broker, account and the retained "offline" will. */
    @BindToRegistry(value = "paho-mqtt5", lazy = true)
    public PahoMqtt5Component mqtt(CamelContext context, @PropertyInject("sightline.mqtt.broker-url") String brokerUrl,
                                   @PropertyInject("sightline.mqtt.user") String user,
                                   @PropertyInject("sightline.mqtt.topic-prefix") String prefix) {
        PahoMqtt5Component component = new PahoMqtt5Component();
        PahoMqtt5Configuration c = component.getConfiguration();
        c.setBrokerUrl(brokerUrl);
        c.setUserName(user);
        Secrets.read(context, "sightline.mqtt.password").ifPresent(c::setPassword);
        c.setQos(1);
        c.setConnectionTimeout(10);
        // subscribers see the receiver go away even when it cannot say so (Home Assistant's availability topic)
        c.setWillTopic(prefix + "/available");
        c.setWillPayload("offline");
        c.setWillRetained(true);
        c.setWillQos(1);
        return component;
    }

    /** The key is checked at start where the webhook is on ({@link #configure}); the route exists either way. */
    @BindToRegistry(value = "webhookSignature", lazy = true)
    public WebhookSignature webhookSignature(CamelContext context) {
        return new WebhookSignature(Secrets.read(context, "sightline.webhook.secret").orElse(""));
    }

    /** Where the console runs, a webhook switched on without its address or key fails at start, not at an alert. */
    @Override
    public void configure(CamelContext context) {
        PropertiesComponent properties = context.getPropertiesComponent();
        boolean console = properties.resolveProperty("sightline.role").map(Role::parse)
                .filter(role -> role.has(Role.Part.CONSOLE)).isPresent();
        if (console && properties.resolveProperty("sightline.webhook.enabled").map(Boolean::parseBoolean).orElse(false)) {
            if (properties.resolveProperty("sightline.webhook.url").filter(url -> !url.isBlank()).isEmpty()) {
                throw new IllegalStateException("sightline.webhook.enabled=true needs sightline.webhook.url");
            }
            if (Secrets.read(context, "sightline.webhook.secret").isEmpty()) {
                throw new IllegalStateException("sightline.webhook.enabled=true needs SIGHTLINE_WEBHOOK_SECRET (or its "
                        + "-file): the key receivers check the Sightline-Signature header with");
            }
        }
    }

    @BindToRegistry(value = "integrationFailures", lazy = true)
    public IntegrationFailures integrationFailures(RepeatedWarnings warnings, SightlineMetrics metrics) {
        return new IntegrationFailures(warnings, metrics);
    }
}
