using System.Net;
using System.Net.Sockets;

namespace Codex.Auth.Tests.Fuzz;

/// <summary>An environment whose every endpoint override points at a closed loopback port: whatever a fuzzed input makes the library call fails fast and locally.</summary>
internal static class FuzzEnvironment
{
    public static Uri ClosedPort { get; } = FindClosedPort();

    public static CodexEnvironment Create() => CodexEnvironment.FromValues(new Dictionary<string, string?>
    {
        [CodexEnvironmentVariables.RefreshTokenUrlOverride] = new Uri(ClosedPort, "oauth/token").AbsoluteUri,
        [CodexEnvironmentVariables.RevokeTokenUrlOverride] = new Uri(ClosedPort, "oauth/revoke").AbsoluteUri,
        [CodexEnvironmentVariables.AgentIdentityJwksBaseUrl] = ClosedPort.AbsoluteUri,
        [CodexEnvironmentVariables.AgentIdentityAuthApiBaseUrl] = new Uri(ClosedPort, "api/accounts").AbsoluteUri,
    });

    private static Uri FindClosedPort() => new($"http://127.0.0.1:{LoopbackPorts.Free()}/");
}
