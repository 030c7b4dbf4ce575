using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ProtocolSdk.PackageTests.Support;

/// <summary>
/// Reads a Roslyn component DLL's metadata (no loading) to tell whether it declares any generator
/// (<c>[Generator]</c>) or analyzer (<c>[DiagnosticAnalyzer]</c>) types. An empty project still builds a DLL, so
/// "the file is in the package" and "the package can generate code / report diagnostics" are separate facts.
/// </summary>
public static class RoslynComponents
{
    public static IReadOnlyList<string> TypesWithAttribute(byte[] assembly, string attributeTypeName)
    {
        var found = new List<string>();
        using var pe = new PEReader(new MemoryStream(assembly));
        MetadataReader md = pe.GetMetadataReader();
        foreach (TypeDefinitionHandle typeHandle in md.TypeDefinitions)
        {
            TypeDefinition type = md.GetTypeDefinition(typeHandle);
            foreach (CustomAttributeHandle attributeHandle in type.GetCustomAttributes())
            {
                if (AttributeTypeName(md, md.GetCustomAttribute(attributeHandle)) == attributeTypeName)
                {
                    found.Add(md.GetString(type.Namespace) + "." + md.GetString(type.Name));
                }
            }
        }
        return found;
    }

    private static string? AttributeTypeName(MetadataReader md, CustomAttribute attribute)
    {
        switch (attribute.Constructor.Kind)
        {
            case HandleKind.MemberReference:
                EntityHandle parent = md.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
                return parent.Kind switch
                {
                    HandleKind.TypeReference => md.GetString(md.GetTypeReference((TypeReferenceHandle)parent).Name),
                    HandleKind.TypeDefinition => md.GetString(md.GetTypeDefinition((TypeDefinitionHandle)parent).Name),
                    _ => null,
                };
            case HandleKind.MethodDefinition:
                TypeDefinitionHandle declaring = md.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor).GetDeclaringType();
                return md.GetString(md.GetTypeDefinition(declaring).Name);
            default:
                return null;
        }
    }
}
