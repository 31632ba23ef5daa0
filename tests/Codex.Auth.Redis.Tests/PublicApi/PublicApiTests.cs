using System.Reflection;

namespace Codex.Auth.Redis.Tests.PublicApi;

/// <summary>
/// The public surface of the Codex.Auth.Redis package, compared with an approved snapshot in this folder, so that every change to it
/// is deliberate and visible in review.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void Codex_Auth_Redis_public_api_is_approved() => Verify(typeof(RedisCredentialStore).Assembly, "Codex.Auth.Redis");

    private static void Verify(Assembly assembly, string name) => PublicApiSnapshot.Verify(assembly, name, typeof(PublicApiTests).Assembly);
}
