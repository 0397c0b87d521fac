using System.Collections.Concurrent;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Forge.Core;

namespace Forge.Host.Fingerprints;

/// <summary>Content hashes that say whether an environment's code or a task changed since an episode was recorded.</summary>
public static class Fingerprint
{
    private static readonly ConcurrentDictionary<Assembly, string> AssemblyHashes = new();
    private static readonly JsonSerializerOptions TaskJson = new() { WriteIndented = false, Converters = { new AnyJsonElement() } };

    /// <summary>SHA-256 (lower-case hex) of the file <paramref name="assembly"/> was loaded from; empty for an assembly without a file. Hashed once per process.</summary>
    public static string Of(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return AssemblyHashes.GetOrAdd(assembly, static a =>
        {
            if (a.IsDynamic || string.IsNullOrEmpty(a.Location) || !File.Exists(a.Location)) return "";
            using var stream = File.OpenRead(a.Location);
            return Convert.ToHexStringLower(SHA256.HashData(stream));
        });
    }

    /// <summary>SHA-256 (lower-case hex) of the task's JSON (its runtime type's public properties, in declaration order).</summary>
    public static string Of(IEnvironmentTask task)
    {
        ArgumentNullException.ThrowIfNull(task);
        var json = JsonSerializer.Serialize(task, task.GetType(), TaskJson);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
    }

    /// <summary>Writes a JSON value held by a task as it is, and an absent one (<c>default(JsonElement)</c>) as null.</summary>
    private sealed class AnyJsonElement : System.Text.Json.Serialization.JsonConverter<JsonElement>
    {
        public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => JsonElement.ParseValue(ref reader);

        public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options)
        {
            if (value.ValueKind == JsonValueKind.Undefined) writer.WriteNullValue();
            else value.WriteTo(writer);
        }
    }

    /// <summary>SHA-256 (lower-case hex) of a file or of every file under a folder (paths and contents, in ordinal order): a checkpoint's identity.</summary>
    public static string OfPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (File.Exists(path)) hash.AppendData(File.ReadAllBytes(path));
        else if (Directory.Exists(path))
            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(path, file).Replace('\\', '/') + "\0"));
                hash.AppendData(File.ReadAllBytes(file));
            }
        else throw new FileNotFoundException($"{path} doesn't exist.", path);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
