"""The national public-service portal (Cổng DVC quốc gia): dossiers and steps reported out (`sync`,
`payloads`), dossiers filed there taken in (`inbound`), and a simulator of the portal for development and
tests (`simulator`). The session-login envelope of the national adapter is `procedures.national.gateway`."""
