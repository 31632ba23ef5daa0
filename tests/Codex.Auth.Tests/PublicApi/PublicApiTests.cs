using System.Reflection;
using Codex.Auth.Testing;

namespace Codex.Auth.Tests.PublicApi;

/// <summary>
/// The public surface of each package, compared with an approved snapshot in this folder, so that every change to it
/// is deliberate and visible in review.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void Codex_Auth_public_api_is_approved() => Verify(typeof(IAuthProvider).Assembly, "Codex.Auth");

    [Fact]
    public void Codex_Auth_Testing_public_api_is_approved() => Verify(typeof(FakeCodexServer).Assembly, "Codex.Auth.Testing");

    [Fact]
    public void Codex_Auth_Proxy_public_api_is_approved() => Verify(typeof(Codex.Auth.Proxy.CodexAuthProxyHost).Assembly, "Codex.Auth.Proxy");

    private static void Verify(Assembly assembly, string name) => PublicApiSnapshot.Verify(assembly, name, typeof(PublicApiTests).Assembly);
}
