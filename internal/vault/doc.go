// Package vault encrypts personal data and evidence per tenant with envelope
// encryption: each tenant's data is sealed under its own AES-256-GCM data key,
// and data keys are stored only wrapped by a master key held by a KeyManager
// (a local key file today, a cloud KMS later), so master keys can rotate by
// re-wrapping data keys without re-encrypting any data.
package vault
