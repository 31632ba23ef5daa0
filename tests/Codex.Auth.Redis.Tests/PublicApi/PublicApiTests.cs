using System.Reflection;
using PublicApiGenerator;

namespace Codex.Auth.Redis.Tests.PublicApi;

/// <summary>
/// The public surface of the Codex.Auth.Redis package, compared with an approved snapshot in this folder, so that every change to it
/// is deliberate and visible in review.
/// </summary>
public sealed class PublicApiTests
{
    [Fact]
    public void Codex_Auth_Redis_public_api_is_approved() => Verify(typeof(RedisCredentialStore).Assembly, "Codex.Auth.Redis");

    private static void Verify(Assembly assembly, string name)
    {
        string directory = typeof(PublicApiTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "PublicApiDirectory").Value!;
        string approvedPath = Path.Combine(directory, name + ".approved.txt");
        string receivedPath = Path.Combine(directory, name + ".received.txt");
        string actual = Normalize(assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false }));
        string approved = File.Exists(approvedPath) ? Normalize(File.ReadAllText(approvedPath)) : string.Empty;
        if (actual == approved)
        {
            File.Delete(receivedPath);
            return;
        }

        if (Environment.GetEnvironmentVariable("CODEX_AUTH_APPROVE_PUBLIC_API") == "1")
        {
            File.WriteAllText(approvedPath, actual);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        Assert.Fail(
            $"The public API of {name} changed. If the change is deliberate, approve it and commit the file:\n" +
            $"    cp {receivedPath} {approvedPath}\n" +
            "  or run the tests with CODEX_AUTH_APPROVE_PUBLIC_API=1 to rewrite every approved file.\n" +
            $"Compare: diff -u {approvedPath} {receivedPath}");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd() + "\n";
}
