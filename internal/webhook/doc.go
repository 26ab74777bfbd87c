// Package webhook delivers verification events to tenants' endpoints: it
// signs each body with the endpoint's secret (Kakunin-Signature), refuses
// endpoints on private or loopback addresses (SSRF), posts with a client that
// re-checks the connected IP and follows no redirects, and spaces retries
// with exponential backoff over about three days.
package webhook
