// `wsinspect ca`: where the local CA that signs the proxy's TLS certificates is, and how to
// make clients trust it (system stores, browsers, Node). Creates the CA on first use.
import type { Argv } from 'yargs';
import type { LocalCa } from '../sources/ca/local-ca.js';

interface CaFlags {
  caDir?: string;
  path?: boolean;
  spki?: boolean;
}

export function caCommand(yargs: Argv): Argv {
  return yargs.command<CaFlags>(
    'ca',
    'show the local CA that signs certificates for TLS interception, and how to trust it',
    (y) =>
      y
        .option('path', { type: 'boolean', describe: 'print only the path of the CA certificate (PEM)' })
        .option('spki', {
          type: 'boolean',
          describe: 'print only the base64 SHA-256 of its public key (Chromium --ignore-certificate-errors-spki-list)',
        })
        .option('ca-dir', {
          type: 'string',
          describe: "directory of the CA (default: $WSINSPECT_CA_DIR or the user's config directory)",
        })
        .example('$0 ca', 'where the CA is and how to trust it')
        .example('NODE_EXTRA_CA_CERTS="$($0 ca --path)" node client.js', 'a Node client that trusts the proxy'),
    async (flags) => {
      // loaded here, not at start-up: node-forge is only needed by this command and TLS interception
      const { openLocalCa } = await import('../sources/ca/local-ca.js');
      const ca = openLocalCa(flags.caDir);
      if (flags.path) process.stdout.write(ca.certPath + '\n');
      else if (flags.spki) process.stdout.write(ca.spkiSha256 + '\n');
      else process.stdout.write(describeCa(ca));
    },
  );
}

export function describeCa(ca: LocalCa): string {
  const p = JSON.stringify(ca.certPath).slice(1, -1);
  return `${ca.created ? 'Created a new' : 'The'} local CA for wsinspect's TLS interception:
  certificate   ${ca.certPath}
  private key   ${ca.keyPath} (readable by you only: whoever has it can impersonate any site to a client that trusts this CA)
  SHA-256       ${ca.fingerprint}
  SPKI SHA-256  ${ca.spkiSha256}

wsinspect proxy signs a certificate for each host a client asks for with this CA. To make a client trust it:
  Node.js        NODE_EXTRA_CA_CERTS="${p}" node client.js
  curl           curl --cacert "${p}" --proxy http://127.0.0.1:8080 https://…
  Debian/Ubuntu  sudo cp "${p}" /usr/local/share/ca-certificates/wsinspect.crt && sudo update-ca-certificates
  Fedora/RHEL    sudo cp "${p}" /etc/pki/ca-trust/source/anchors/wsinspect.pem && sudo update-ca-trust
  macOS          sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "${p}"
  Windows        certutil -user -addstore Root "${p}"
  Chrome/Chromium (Linux, NSS)  certutil -d sql:$HOME/.pki/nssdb -A -t "C,," -n wsinspect -i "${p}"
  Chromium, one session only    --ignore-certificate-errors-spki-list=${ca.spkiSha256} (with --user-data-dir)
  Firefox        Settings → Privacy & Security → Certificates → View Certificates → Authorities → Import

Remove the trust again when you are done; delete ${ca.dir} to start over with a new CA.
`;
}
