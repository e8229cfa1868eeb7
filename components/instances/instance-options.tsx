/** The options of an instance picker: a "choose" placeholder, then each instance as "name (ID)". */
export function InstanceOptions({ instances, placeholder }: { instances: readonly { id: string; name: string }[] | undefined; placeholder: string }) {
  return (
    <>
      <option value="">{placeholder}</option>
      {instances?.map((i) => (
        <option key={i.id} value={i.id}>
          {i.name} ({i.id})
        </option>
      ))}
    </>
  );
}
