namespace Forge.Sandbox.Local;

/// <summary>
/// Host-side access to a sandbox's workspace. Sandboxed code can plant links in its workspace, so every path is
/// checked component by component: a path that leaves the workspace or passes through a symbolic link is refused,
/// and the host never reads or writes a file the sandbox itself couldn't.
/// </summary>
internal static class Workspace
{
    /// <summary>The full host path of <paramref name="relative"/> inside <paramref name="workspace"/>; throws <see cref="ArgumentException"/> when it escapes.</summary>
    public static string Resolve(string workspace, string relative)
    {
        ArgumentException.ThrowIfNullOrEmpty(relative);
        var trimmed = relative.StartsWith("/workspace/", StringComparison.Ordinal) ? relative["/workspace/".Length..] : relative;
        if (Path.IsPathRooted(trimmed)) throw new ArgumentException($"'{relative}' is not a path inside the workspace: use a relative path.", nameof(relative));
        var full = Path.GetFullPath(Path.Combine(workspace, trimmed));
        if (!full.StartsWith(workspace + "/", StringComparison.Ordinal))
            throw new ArgumentException($"'{relative}' leaves the workspace.", nameof(relative));
        var current = workspace;
        foreach (var part in Path.GetRelativePath(workspace, full).Split('/'))
        {
            current = Path.Combine(current, part);
            if (IsLink(current))
                throw new ArgumentException($"'{relative}' passes through a symbolic link ({Path.GetRelativePath(workspace, current)}); the host doesn't follow links in a sandbox's workspace.", nameof(relative));
        }
        return full;
    }

    private static bool IsLink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Creates the folders above <paramref name="full"/>, giving new ones to <paramref name="owner"/>.</summary>
    public static void CreateParents(string workspace, string full, int? owner)
    {
        var missing = new Stack<string>();
        for (var dir = Path.GetDirectoryName(full)!; dir.Length > workspace.Length && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)!)
            missing.Push(dir);
        foreach (var dir in missing)
        {
            Directory.CreateDirectory(dir);
            GiveTo(dir, owner);
        }
    }

    /// <summary>Gives a file or folder to the sandbox's user, where that isn't the current user.</summary>
    public static void GiveTo(string path, int? owner)
    {
        if (owner is { } uid) Native.Chown(path, uid);
    }

    /// <summary>Deletes a sandbox folder whatever its code did to permissions; never follows links out of it.</summary>
    public static void Delete(string root)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (!Directory.Exists(root)) return;
                Directory.Delete(root, recursive: true);
                return;
            }
            catch (UnauthorizedAccessException)
            {
                MakeWritable(root);
            }
            catch (IOException)
            {
                MakeWritable(root);
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>Sets a file's permission bits.</summary>
    public static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }

    private static void MakeWritable(string root)
    {
        try
        {
            var rwx = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            Workspace.SetMode(root, rwx);
            foreach (var dir in Directory.EnumerateDirectories(root, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint }))
                Workspace.SetMode(dir, rwx);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
