using k8s;
using k8s.Models;

namespace Forge.Cli.Tests.Commands.Cluster;

/// <summary>
/// The Kubernetes manifests under deploy/kubernetes, read by the official Kubernetes client's models in strict mode: a
/// field the API doesn't have, a value of the wrong type or an unknown kind fails the load, naming the file.
/// </summary>
internal sealed class KubernetesManifests
{
    private readonly List<(string File, IKubernetesObject<V1ObjectMeta> Object)> _objects = [];

    public static KubernetesManifests Load(string folder)
    {
        var manifests = new KubernetesManifests();
        foreach (var file in Directory.GetFiles(folder, "*.yaml").Order(StringComparer.Ordinal))
            foreach (var item in Parse(File.ReadAllText(file), Path.GetFileName(file)))
                manifests._objects.Add((Path.GetFileName(file), item));
        return manifests;
    }

    /// <summary>Every object of <paramref name="yaml"/> (documents separated by <c>---</c>); throws naming <paramref name="file"/> on anything the API would not accept as written.</summary>
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Parse(string yaml, string file)
    {
        List<object> loaded;
        try
        {
            loaded = KubernetesYaml.LoadAllFromString(yaml, strict: true);
        }
        catch (Exception e)
        {
            throw new InvalidDataException($"{file}: not a valid Kubernetes manifest: {e.Message}", e);
        }
        return [.. loaded.Select(o => o as IKubernetesObject<V1ObjectMeta> ?? throw new InvalidDataException($"{file}: {o.GetType().Name} is not a Kubernetes object with metadata"))];
    }

    public IEnumerable<(string File, IKubernetesObject<V1ObjectMeta> Object)> All => _objects;

    /// <summary>The object of type <typeparamref name="T"/> named <paramref name="name"/>; fails the test when there is none.</summary>
    public T Get<T>(string name) where T : IKubernetesObject<V1ObjectMeta> =>
        _objects.Select(o => o.Object).OfType<T>().SingleOrDefault(o => o.Metadata.Name == name)
        ?? throw new Xunit.Sdk.XunitException($"deploy/kubernetes has no {typeof(T).Name} named {name}");

    public IEnumerable<T> OfType<T>() => _objects.Select(o => o.Object).OfType<T>();

    public bool Has<T>(string name) where T : IKubernetesObject<V1ObjectMeta> => OfType<T>().Any(o => o.Metadata.Name == name);

    /// <summary>The pod templates of every workload (Deployments and Jobs), by workload.</summary>
    public IEnumerable<(string Workload, V1PodTemplateSpec Template)> PodTemplates =>
        OfType<V1Deployment>().Select(d => ($"Deployment/{d.Metadata.Name}", d.Spec.Template))
            .Concat(OfType<V1Job>().Select(j => ($"Job/{j.Metadata.Name}", j.Spec.Template)));
}
