using System.Reflection;
using PublicApiGenerator;

namespace Codex.Auth.TestSupport;

/// <summary>
/// Compares an assembly's public surface with an approved snapshot (<c>NAME.approved.txt</c>) so that every change is deliberate and
/// visible in review. The snapshot folder is the calling test assembly's <c>PublicApiDirectory</c> metadata.
/// </summary>
public static class PublicApiSnapshot
{
    public static void Verify(Assembly assembly, string name, Assembly testAssembly)
    {
        string directory = testAssembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "PublicApiDirectory").Value!;
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
