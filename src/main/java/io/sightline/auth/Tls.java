package io.sightline.auth;

import org.apache.camel.CamelContext;
import org.apache.camel.support.jsse.KeyManagersParameters;
import org.apache.camel.support.jsse.KeyStoreParameters;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Optional TLS: the receiver's HTTP server presents the certificate of a PKCS12 keystore; a sender trusts the
 * certificates of a PKCS12 truststore (and checks the host name). Both are set on the Camel context's global
 * SSL parameters, which the receiver's server and the sender's https component use.
 */
public final class Tls {

    private Tls() {
    }

    /**
     * @param keystore   the receiver's certificate and key, or null
     * @param truststore certificates the sender trusts, or null (the JVM's default trust)
     */
    public static SSLContextParameters configure(CamelContext context, String keystore, String keystorePassword,
                                                 String truststore, String truststorePassword) {
        SSLContextParameters params = new SSLContextParameters();
        if (keystore != null) {
            KeyManagersParameters keys = new KeyManagersParameters();
            keys.setKeyStore(store(keystore, keystorePassword));
            keys.setKeyPassword(keystorePassword);
            params.setKeyManagers(keys);
        }
        if (truststore != null) {
            TrustManagersParameters trust = new TrustManagersParameters();
            trust.setKeyStore(store(truststore, truststorePassword));
            params.setTrustManagers(trust);
        }
        context.setSSLContextParameters(params);
        return params;
    }

    private static KeyStoreParameters store(String path, String password) {
        if (!Files.isRegularFile(Path.of(path))) {
            throw new IllegalArgumentException("TLS store " + path + " does not exist");
        }
        KeyStoreParameters store = new KeyStoreParameters();
        store.setResource("file:" + path);
        store.setType("PKCS12");
        store.setPassword(password);
        return store;
    }
}
