namespace Forge.Training.Devices;

/// <summary>The native libraries mapped into this process (Linux: <c>/proc/self/maps</c>), to tell which libtorch and which loader are in use.</summary>
internal static class NativeImages
{
    /// <summary>
    /// The full path of the first mapped file named <paramref name="fileName"/> or a versioned name of it
    /// (<c>libstdc++.so.6.0.33</c> for <c>libstdc++.so.6</c>), or null (not loaded, or not Linux).
    /// </summary>
    public static string? Find(string fileName) => Find(ReadMaps(), fileName);

    /// <summary>The same, in <paramref name="maps"/> (the text of a maps file).</summary>
    public static string? Find(string maps, string fileName)
    {
        foreach (var line in maps.Split('\n'))
        {
            // address perms offset dev inode path — the path is the sixth field and may contain spaces.
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0) continue;
            var path = line[slash..].TrimEnd();
            var name = Path.GetFileName(path);
            if (name == fileName || (name.StartsWith(fileName + ".", StringComparison.Ordinal) && name[(fileName.Length + 1)..].All(c => char.IsAsciiDigit(c) || c == '.'))) return path;
        }
        return null;
    }

    private static string ReadMaps()
    {
        try
        {
            return OperatingSystem.IsLinux() ? File.ReadAllText("/proc/self/maps") : "";
        }
        catch (IOException)
        {
            return "";
        }
    }
}
